# tickwork: `make run` sets everything up and serves; `make test` sets everything up and tests.
# Every step is here: a clean clone on a machine with Python 3.11+ and Node 20 needs nothing else.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
WEB_STAMP := frontend/node_modules/.installed
WEBUI := src/tickwork/webui/index.html
FRONTEND_SRC := $(shell find frontend/src frontend/index.html frontend/vite.config.* -type f 2>/dev/null)
CHROMIUM ?= /usr/bin/chromium
TEST_PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

API_TYPES := frontend/src/services/schema.d.ts
API_DOC := $(VENV)/openapi.json

.PHONY: install run test lint contract contract-check pytest test-frontend e2e web-tests bench clean

install: $(PY_STAMP) $(WEBUI)

$(PY_STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

$(WEB_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEBUI): $(WEB_STAMP) $(FRONTEND_SRC)
	cd frontend && npm run build --silent

run: install
	$(BIN)/tickwork serve

# The page's API types are generated from the API's own OpenAPI document: `make contract`
# after a change to the API; `make lint` fails while the committed types differ from it, so
# a backend change that the page has not taken in fails the build. A field with a default is
# optional in what the page sends (--default-non-nullable=false): the server fills it in.
OPENAPI_TS_FLAGS := --default-non-nullable=false --silent

contract: $(PY_STAMP) $(WEB_STAMP)
	$(BIN)/tickwork openapi $(API_DOC)
	cd frontend && npx openapi-typescript ../$(API_DOC) -o src/services/schema.d.ts $(OPENAPI_TS_FLAGS)

contract-check: $(PY_STAMP) $(WEB_STAMP)
	$(BIN)/tickwork openapi $(API_DOC)
	cd frontend && npx openapi-typescript ../$(API_DOC) -o ../$(VENV)/schema.d.ts $(OPENAPI_TS_FLAGS)
	@diff -u $(API_TYPES) $(VENV)/schema.d.ts >/dev/null || { \
	  diff -u $(API_TYPES) $(VENV)/schema.d.ts | head -40; \
	  echo "$(API_TYPES) does not match the API: run 'make contract' and fix the page"; exit 1; }

lint: $(PY_STAMP) $(WEB_STAMP) contract-check
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples
	$(BIN)/mypy
	cd frontend && npm run lint --silent

# Two workers: most tests wait on real processes, servers and the clock, so two share the two
# cores well (each PostgreSQL test has its own schema, each SQLite test its own file).
pytest: $(PY_STAMP)
	TICKWORK_TEST_PG_URL=$(TEST_PG_URL) $(BIN)/pytest -n 2

test-frontend: $(WEB_STAMP)
	cd frontend && npm test --silent

$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

e2e: install $(CHROMIUM)
	cd frontend && TICKWORK_BIN=$(CURDIR)/$(BIN)/tickwork CHROMIUM=$(CHROMIUM) npm run e2e --silent

# The Python suite and the page's suites (vitest, then the browser) run side by side: both
# mostly wait (on processes, servers, a browser), and one after the other took 24 minutes.
test: install lint
	$(MAKE) --no-print-directory -j2 pytest web-tests

web-tests: install $(CHROMIUM)
	$(MAKE) --no-print-directory test-frontend
	$(MAKE) --no-print-directory e2e

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) frontend/node_modules src/tickwork/webui
