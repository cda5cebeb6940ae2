"""Shared fixtures: a real store (SQLite file or PostgreSQL schema), a runtime, an API client."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime

FIXTURES = Path(__file__).parent / "fixtures"
TEST_REGISTRY = FIXTURES / "workflows.toml"
PG_URL = os.environ.get("TICKWORK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def pg_schema_url(schema: str) -> str:
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    schema = f"tw_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield schema
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    if request.param == "sqlite":
        return None  # the default: a SQLite file in the data directory
    schema = request.getfixturevalue("pg_schema")
    return pg_schema_url(schema)


@pytest.fixture
def settings(tmp_path: Path, database_url: str | None) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        workflows=TEST_REGISTRY,
        database_url=database_url,
        max_concurrent_runs=4,
        kill_grace_seconds=1.0,
        shutdown_grace_seconds=2.0,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings)
    rt.start()
    yield rt
    rt.stop()


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    return create_app(runtime).test_client()


def alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie waiting to be reaped counts as dead)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for(check: Callable[[], Any], timeout: float = 20.0, every: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")


def schedule_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Weekday full workflow",
        "description": "Every hour 8-23 on weekdays",
        "workflow_type": "main",
        "parameters": {"number": 3, "regions": ["germany", "austria"]},
        "cron_schedule": "0 8-23 * * 1-5",
    }
    body.update(overrides)
    return body


QUIET_CRON = "0 3 1 1 *"  # 03:00 on 1 January: never during a test run


@pytest.fixture
def make_schedule(client: FlaskClient) -> Callable[..., dict[str, Any]]:
    def make(**overrides: Any) -> dict[str, Any]:
        # Once a year unless a test names its cron: schedule_body's hourly default fired for
        # real when a test crossed the hour, and added a run to histories it counted.
        overrides.setdefault("cron_schedule", QUIET_CRON)
        response = client.post("/api/v1/schedules", json=schedule_body(**overrides))
        assert response.status_code == 201, response.get_json()
        return dict(response.get_json())

    return make


def finished_run(client: FlaskClient, run_id: int, timeout: float = 20.0) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        run = client.get(f"/api/v1/runs/{run_id}").get_json()
        return run if run["status"] not in ("queued", "running") else None

    return dict(wait_for(done, timeout))


# -- personas: one user per role, and an outsider without credentials -------------------------

API_TOKEN = "tw-test-token-7c41d2e9"
PASSWORD = "correct horse battery staple"
PERSONA_USERS = {"vera": "viewer", "oscar": "operator", "ada": "admin"}


def logged_in(runtime: Runtime, username: str, password: str = PASSWORD) -> FlaskClient:
    """A client with its own cookie jar, logged in, and sending the CSRF header every time."""
    client = create_app(runtime).test_client()
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = response.get_json()["csrf_token"]
    return client


@pytest.fixture
def accounts(runtime: Runtime) -> dict[str, str]:
    """A viewer, an operator and an admin; their existence switches authentication on."""
    from tickwork.auth import users

    for name, role in PERSONA_USERS.items():
        users.add(runtime.store, name, PASSWORD, role)
    return dict(PERSONA_USERS)


@pytest.fixture
def viewer(runtime: Runtime, accounts: dict[str, str]) -> FlaskClient:
    return logged_in(runtime, "vera")


@pytest.fixture
def operator(runtime: Runtime, accounts: dict[str, str]) -> FlaskClient:
    return logged_in(runtime, "oscar")


@pytest.fixture
def admin(runtime: Runtime, accounts: dict[str, str]) -> FlaskClient:
    return logged_in(runtime, "ada")


@pytest.fixture
def outsider(runtime: Runtime, accounts: dict[str, str]) -> FlaskClient:
    return create_app(runtime).test_client()
