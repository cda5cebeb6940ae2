"""The Flask application factory: the API, its OpenAPI document and docs, and the web page.

Every request under /api/v1 passes the auth guard first: the operation's declared role (see
`api.spec`) decides, and a route the spec does not describe needs admin. Only the login, the
OpenAPI document and its docs page are open there; outside it, the page and the probes
(/healthz, /readyz: one word each, see `api.probes`). GET /metrics, outside it too, checks its
own callers (`api.metrics`). Every response carries the security headers.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request, send_from_directory
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import PathConverter

from tickwork.api import (
    audit,
    auth,
    backups,
    events,
    meta,
    metrics,
    notifications,
    probes,
    queue,
    reports,
    runs,
    schedules,
    stats,
)
from tickwork.api.context import PREFIX, SPEC
from tickwork.api.spec import error_response
from tickwork.auth import guard, sessions
from tickwork.auth.roles import Access
from tickwork.auth.throttle import LoginThrottle
from tickwork.errors import StorageUnavailable, TickworkError, TooManyAttempts
from tickwork.runtime import Runtime
from tickwork.store import db

log = logging.getLogger(__name__)
WEBUI = Path(__file__).parent / "webui"
MAX_BODY_BYTES = 16 * 1024 * 1024  # room for schedules.json with thousands of schedules

SECURITY_HEADERS = {
    # Naive UI and Swagger UI set styles at run time, hence 'unsafe-inline' for styles only.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; object-src 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Under the prefix but open to everyone: the API's description and its docs page.
OPEN_ENDPOINTS = frozenset({"openapi_document", "api_docs", "api_docs_static"})

DOCS_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>tickwork API</title>
<link rel="stylesheet" href="{prefix}/docs/static/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="{prefix}/docs/static/swagger-ui-bundle.js"></script>
<script src="{prefix}/docs/static/tickwork-init.js"></script>
</body></html>"""
# A file rather than an inline script, so that the CSP (script-src 'self') holds here too.
# Logged in through the page, the docs send the session's CSRF token with their requests.
DOCS_INIT = """"use strict";
let csrfToken = null;
fetch("{prefix}/auth/me", {{credentials: "same-origin"}})
  .then((r) => (r.ok ? r.json() : null))
  .then((me) => {{ csrfToken = me && me.csrf_token; }})
  .catch(() => {{}});
SwaggerUIBundle({{
  url: "{prefix}/openapi.json",
  dom_id: "#ui",
  validatorUrl: null,
  requestInterceptor: (req) => {{
    if (csrfToken && req.method && req.method.toUpperCase() !== "GET") {{
      req.headers["X-CSRF-Token"] = csrfToken;
    }}
    return req;
  }},
}});
"""


def create_app(runtime: Runtime) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["tickwork"] = runtime
    app.extensions[auth.THROTTLE] = LoginThrottle()
    sessions.configure(app, runtime.settings)
    blueprints = (
        schedules,
        runs,
        queue,
        meta,
        events,
        auth,
        audit,
        notifications,
        backups,
        probes,
        stats,
        reports,
        metrics,
    )
    for module in blueprints:
        app.register_blueprint(module.bp)
    _register_guard(app, runtime)
    _register_errors(app)
    _register_docs(app)
    _register_webui(app)
    return app


def _register_guard(app: Flask, runtime: Runtime) -> None:
    needs: dict[str, Access] = {op.endpoint: op.access for op in SPEC.operations}

    @app.before_request
    def authorize() -> Response | None:
        if request.endpoint is None or request.url_rule is None:
            return None  # no route: the answer is a 404 or 405 that reveals nothing
        if request.method == "OPTIONS":
            return _options(app, request.url_rule.rule)
        access = needs.get(request.endpoint)
        if access is None:
            if request.endpoint in OPEN_ENDPOINTS or not request.path.startswith(PREFIX + "/"):
                return None
            access = "admin"  # under the API but not in the spec: nobody forgot to guard it
        guard.authorize(access, runtime.settings, runtime.store)
        return None

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith(PREFIX + "/"):
            # Answers carry CSRF tokens and private data: no cache may keep them.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def _options(app: Flask, rule: str) -> Response:
    """The methods of the route the path names. Flask would list those of every rule the path
    fits: /schedules/export also fits /schedules/<schedule_id>, which is not what it is."""
    response = Response(status=200)
    for candidate in app.url_map.iter_rules():
        if candidate.rule == rule:
            response.allow.update(candidate.methods or ())
    return response


def _register_errors(app: Flask) -> None:
    @app.errorhandler(TickworkError)
    def tickwork_error(exc: TickworkError) -> Any:
        response, status = error_response(exc)
        if isinstance(exc, TooManyAttempts | StorageUnavailable):
            response.headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, StorageUnavailable):
            log.warning("%s %s: %s", request.method, request.path, exc.message)
        return response, status

    @app.errorhandler(SQLAlchemyError)
    def store_error(exc: SQLAlchemyError) -> Any:
        # Trouble with the store itself (a lost connection, a full disk, a lock held by
        # another process) is a 503 that says so; anything else is a bug, a 500.
        trouble = db.problem(exc)
        return tickwork_error(trouble) if trouble is not None else unexpected(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if not request.path.startswith(PREFIX):
            return exc
        if isinstance(exc, NotFound) and request.url_rule is None:
            return jsonify(error="not_found", message=f"no such endpoint: {request.path}"), 404
        code = exc.code or 500
        name = (exc.name or "error").lower().replace(" ", "_")
        response = jsonify(error=name, message=exc.description or exc.name)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)  # RFC 9110 wants it
        return response, code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error="internal_error", message="internal error; see the server log"), 500


def _swagger_ui() -> Path:
    """Swagger UI 5 as flask-openapi3-swagger ships it: the older swagger-ui-bundle (4.x)
    cannot read OpenAPI 3.1 and showed "does not specify a valid version field"."""
    spec = importlib.util.find_spec("flask_openapi3_swagger")
    assert spec is not None and spec.submodule_search_locations is not None
    return Path(spec.submodule_search_locations[0]) / "templates" / "swagger"


def openapi_document() -> dict[str, Any]:
    """The API's description, made from the routes' declarations: what
    /api/v1/openapi.json serves and what the page's API types are generated from."""
    return SPEC.document()


def _register_docs(app: Flask) -> None:
    swagger_ui = _swagger_ui()
    document = openapi_document()

    @app.get(f"{PREFIX}/openapi.json", endpoint="openapi_document")
    def serve_openapi_document() -> Any:
        return jsonify(document)

    @app.get(f"{PREFIX}/docs")
    def api_docs() -> Response:
        return Response(DOCS_PAGE.format(prefix=PREFIX), mimetype="text/html")

    @app.get(f"{PREFIX}/docs/static/<path:filename>")
    def api_docs_static(filename: str) -> Response:
        if filename == "tickwork-init.js":
            return Response(DOCS_INIT.format(prefix=PREFIX), mimetype="text/javascript")
        return send_from_directory(swagger_ui / Path(filename).suffix.lstrip("."), filename)


class PagePath(PathConverter):
    """Any path but the API's: there, a path no route takes is a JSON 404 (or a 405 that
    lists the route's own methods), never the page's GET."""

    regex = "(?!" + PREFIX.lstrip("/") + "(?:/|$))" + PathConverter.regex


def _register_webui(app: Flask) -> None:
    """The built Vue app; unknown paths outside the API get index.html (history routing)."""
    app.url_map.converters["page"] = PagePath

    @app.get("/")
    @app.get("/<page:path>")
    def webui(path: str = "") -> Any:
        index = WEBUI / "index.html"
        if path and (WEBUI / path).is_file():
            return send_from_directory(WEBUI, path)
        if not index.exists():
            return Response(
                "tickwork API is running; the web page is not built (run `make install`).\n"
                f"API docs: {PREFIX}/docs\n",
                mimetype="text/plain",
            )
        return send_from_directory(WEBUI, "index.html")
