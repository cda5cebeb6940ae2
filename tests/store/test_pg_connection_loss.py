"""PostgreSQL backends terminated under a busy server: no 500, no write answered as failed
that in fact committed, no run failed by the executor's own store calls.

A thread keeps terminating every backend of this test's tickwork (found by the
application_name set in its URL) while the API creates schedules and runs them now.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.conftest import PG_URL, TEST_REGISTRY, pg_schema_url, wait_for
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime
from tickwork.store.tables import AuditRow, RunRow, ScheduleRow

ROUNDS = 40
API = "/api/v1"


class BackendKiller:
    """Terminates the backends named `application_name`, over and over, from its own
    connection (which it keeps: only tickwork's are cut)."""

    def __init__(self, application_name: str, every: float) -> None:
        self.application_name = application_name
        self.every = every
        self.kills = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._engine = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))

    def kill_now(self) -> int:
        with self._engine.begin() as conn:
            killed = conn.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND application_name = :name"
                ),
                {"name": self.application_name},
            ).scalar_one()
        return int(killed)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.kills += self.kill_now()

    def __enter__(self) -> BackendKiller:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._engine.dispose()


@pytest.fixture
def app_name() -> str:
    return f"tw_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def chaos_runtime(tmp_path: Path, pg_schema: str, app_name: str) -> Iterator[Runtime]:
    settings = Settings(
        data_dir=tmp_path / "data",
        workflows=TEST_REGISTRY,
        database_url=f"{pg_schema_url(pg_schema)}&application_name={app_name}",
        max_concurrent_runs=4,
        kill_grace_seconds=1.0,
        shutdown_grace_seconds=5.0,
    )
    rt = Runtime(settings)
    rt.start()
    yield rt
    rt.stop()


def answer(response: Any) -> tuple[int, dict[str, Any]]:
    body = response.get_json(silent=True) or {}
    if response.status_code >= 500:
        assert response.status_code == 503, body
        assert body.get("error") == "storage_unavailable" and body.get("message"), body
    return response.status_code, body


def test_terminated_backends_cost_no_write_and_no_run(
    chaos_runtime: Runtime, app_name: str
) -> None:
    client: FlaskClient = create_app(chaos_runtime).test_client()
    created: dict[str, str] = {}  # name -> id, answered 201
    refused_creates: list[str] = []  # names answered 503
    run_now: dict[str, int] = {}  # schedule id -> run id, answered 202
    refused_runs: list[str] = []
    imported: list[str] = []  # names imported with an answer of 200
    refused_imports: list[str] = []
    with BackendKiller(app_name, every=0.2) as killer:
        for i in range(ROUNDS):
            # An import of a schedule without an id: a retried import must not make twins.
            piece = [
                {"name": f"imported-{i}", "workflow_type": "job", "cron_schedule": "0 4 * * *"}
            ]
            status, _ = answer(client.post(f"{API}/schedules/import", json=piece))
            (imported if status == 200 else refused_imports).append(f"imported-{i}")
            name = f"chaos-{i}"
            body = {"name": name, "workflow_type": "job", "cron_schedule": "0 3 * * *"}
            status, created_body = answer(client.post(f"{API}/schedules", json=body))
            if status == 201:
                created[name] = created_body["id"]
            else:
                refused_creates.append(name)
                continue
            status, run_body = answer(client.post(f"{API}/schedules/{created[name]}/run"))
            if status == 202:
                run_now[created[name]] = run_body["id"]
            else:
                refused_runs.append(created[name])
            answer(client.get(f"{API}/schedules?q=chaos"))
    print(
        "STATS", killer.kills, len(created), len(refused_creates), len(run_now), len(refused_runs)
    )
    assert killer.kills > ROUNDS / 4  # the backends really were cut, many times

    store = chaos_runtime.store

    def all_finished() -> bool:
        with store.reading() as session:
            return not session.scalars(
                sa.select(RunRow).where(RunRow.status.in_(("queued", "running")))
            ).first()

    wait_for(all_finished, timeout=60)
    with store.reading() as session:
        every_name = [r.name for r in session.scalars(sa.select(ScheduleRow))]
        names = {r.name: r.id for r in session.scalars(sa.select(ScheduleRow))}
        audit = {(a.action, a.target_id) for a in session.scalars(sa.select(AuditRow))}
        import_entries = [
            a for a in session.scalars(sa.select(AuditRow)) if a.action == "schedule.import"
        ]
    for name in imported:
        assert every_name.count(name) == 1, f"{name} imported {every_name.count(name)} times"
    for name in refused_imports:
        assert name not in names, f"{name} answered 503 but was imported"
    assert len(import_entries) == len(imported)  # one entry per import that landed
    with store.reading() as session:
        stored_runs = list(session.scalars(sa.select(RunRow)))
    for name, schedule_id in created.items():
        assert names.get(name) == schedule_id
        assert ("schedule.create", schedule_id) in audit
    for name in refused_creates:
        assert name not in names, f"{name} answered 503 but was created"
    for schedule_id in run_now:
        assert ("schedule.run", schedule_id) in audit
    by_schedule = {r.schedule_id: r for r in stored_runs}
    for schedule_id in refused_runs:
        assert schedule_id not in by_schedule, "a run-now answered 503 but queued a run"
    assert {r.id for r in stored_runs} == set(run_now.values())
    for run in stored_runs:
        assert run.status == "success", (run.id, run.status, run.error)


def test_a_pooled_connection_killed_while_idle_is_replaced(
    chaos_runtime: Runtime, app_name: str
) -> None:
    # Pre-ping at checkout, with psycopg 3: a plain session (no retry) after every pooled
    # backend was terminated still works.
    store = chaos_runtime.store
    with store.reading() as session:
        session.execute(sa.text("SELECT 1"))
    killer = BackendKiller(app_name, every=1.0)
    try:
        assert killer.kill_now() >= 1
    finally:
        killer._engine.dispose()
    with store.reading() as session:
        assert session.execute(sa.text("SELECT 1")).scalar() == 1
