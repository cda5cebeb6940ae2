"""A connection lost during COMMIT: the store settles what happened instead of guessing.

A proxy in front of the real PostgreSQL cuts the connection at COMMIT, once after passing
it on (the server committed; the client got no answer) and once before (nothing committed).
The first must count as success, never as an error, and never be written twice; the second
must be tried again and land once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.conftest import PG_URL, TEST_REGISTRY
from tests.store.pgproxy import CommitCutter
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.errors import StorageUnavailable
from tickwork.runtime import Runtime
from tickwork.store import db
from tickwork.store.db import Store
from tickwork.store.tables import AuditRow, ScheduleRow


@pytest.fixture
def cutter() -> Iterator[CommitCutter]:
    proxy = CommitCutter()
    yield proxy
    proxy.close()


@pytest.fixture
def proxied_url(cutter: CommitCutter, pg_schema: str) -> str:
    url = sa.make_url(PG_URL).set(host="127.0.0.1", port=cutter.port)
    return (
        url.render_as_string(hide_password=False)
        + f"?sslmode=disable&options=-csearch_path%3D{pg_schema}"
    )


@pytest.fixture
def store(proxied_url: str) -> Iterator[Store]:
    s = Store(proxied_url)
    s.migrate()
    yield s
    s.dispose()


def probes(store: Store) -> int:
    return (
        store.read(
            lambda session: session.scalar(
                sa.select(sa.func.count()).select_from(AuditRow).where(AuditRow.action == "probe")
            )
        )
        or 0
    )


def add_probe(store: Store) -> str:
    def work(session: sa.orm.Session) -> str:
        session.add(
            AuditRow(at=datetime.now(UTC), actor="t", action="probe", target_type="t", detail={})
        )
        return "done"

    return store.transact(work)


def test_a_commit_that_landed_is_a_success(
    store: Store, cutter: CommitCutter, caplog: pytest.LogCaptureFixture
) -> None:
    cutter.arm("after_commit")
    assert add_probe(store) == "done"
    assert cutter.cuts == 1
    assert "it committed" in caplog.text  # settled by asking, not by a second attempt
    assert probes(store) == 1


def test_a_commit_that_never_arrived_is_tried_again(
    store: Store, cutter: CommitCutter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="tickwork.store.db")
    cutter.arm("before_commit")
    assert add_probe(store) == "done"
    assert cutter.cuts == 1
    assert "trying again" in caplog.text and "it committed" not in caplog.text
    assert probes(store) == 1


def test_a_plain_session_sees_a_landed_commit_as_success(
    store: Store, cutter: CommitCutter
) -> None:
    cutter.arm("after_commit")
    with store.session() as session:
        session.add(
            AuditRow(at=datetime.now(UTC), actor="t", action="probe", target_type="t", detail={})
        )
    assert cutter.cuts == 1
    assert probes(store) == 1


def test_an_outcome_that_cannot_be_asked_is_reported_as_unknown(
    store: Store, cutter: CommitCutter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "OUTCOME_WAIT_SECONDS", 1.0)
    cutter.arm("after_commit", then_close=True)  # committed, and nobody can ask since
    with pytest.raises(StorageUnavailable, match="whether the change was saved is unknown"):
        add_probe(store)
    assert cutter.cuts == 1


def test_a_create_whose_commit_answer_was_lost_answers_201(
    tmp_path: Path, proxied_url: str, cutter: CommitCutter
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", workflows=TEST_REGISTRY, database_url=proxied_url
    )
    rt = Runtime(settings)
    rt.start(scheduler=False)
    try:
        client: FlaskClient = create_app(rt).test_client()
        cutter.arm("after_commit", marker=b"INSERT INTO schedules")
        body = {"name": "lost answer", "workflow_type": "job", "cron_schedule": "0 3 * * *"}
        response = client.post("/api/v1/schedules", json=body)
        assert response.status_code == 201, response.get_json()
        assert cutter.cuts == 1
        created = response.get_json()["id"]
        with rt.store.reading() as session:
            assert [r.id for r in session.scalars(sa.select(ScheduleRow))] == [created]
            actions = [(a.action, a.target_id) for a in session.scalars(sa.select(AuditRow))]
        assert actions == [("schedule.create", created)]
    finally:
        rt.stop()


def test_health_fails_while_postgresql_cannot_be_reached(
    tmp_path: Path, proxied_url: str, cutter: CommitCutter
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        workflows=TEST_REGISTRY,
        database_url=proxied_url,
        api_token="tw-commit-outcome-token",
    )
    rt = Runtime(settings)
    rt.start(scheduler=False)
    try:
        client: FlaskClient = create_app(rt).test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = "Bearer tw-commit-outcome-token"
        assert client.get("/api/v1/health").get_json()["database"] == {
            "reachable": True,
            "error": None,
        }
        assert client.get("/readyz").status_code == 200  # web only: no scheduler expected
        cutter.close()  # no new connections; the pooled ones are cut below
        rt.store.engine.dispose()
        response = client.get("/api/v1/health")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "unavailable" and body["database"]["reachable"] is False
        assert "cannot be reached" in body["database"]["error"]
        assert body["queue_depth"] is None and body["unhealthy"] == []
        assert response.headers["Retry-After"]
        assert client.get("/readyz").status_code == 503
    finally:
        rt.stop()
