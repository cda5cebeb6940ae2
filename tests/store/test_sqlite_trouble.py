"""SQLite in trouble: a full disk, a lock held by another process, the file deleted under the
running server. Each answers 503 storage_unavailable with a message and Retry-After, never a
bare 500, and nothing answered 201 is lost."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import TEST_REGISTRY, schedule_body
from tests.integration.server import Server
from tests.tmpfs import fill_up, tmpfs
from tickwork.app import create_app
from tickwork.config import Settings
from tickwork.runtime import Runtime

API = "/api/v1"


def sqlite_app(
    data_dir: Path, scheduler: bool = True, **overrides: Any
) -> tuple[Runtime, FlaskClient]:
    rt = Runtime(Settings(data_dir=data_dir, workflows=TEST_REGISTRY, **overrides))
    rt.start(scheduler=scheduler)
    return rt, create_app(rt).test_client()


def unavailable(response: Any, words: str) -> None:
    assert response.status_code == 503, (response.status_code, response.get_json())
    body = response.get_json()
    assert body["error"] == "storage_unavailable"
    assert words in body["message"], body["message"]
    assert int(response.headers["Retry-After"]) >= 1


@pytest.fixture
def small(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "small") as where:
        yield where


def test_a_full_disk_answers_503_and_recovers(small: Path) -> None:
    rt, client = sqlite_app(small / "data")
    try:
        assert client.post(f"{API}/schedules", json=schedule_body(name="before")).status_code == 201
        filler = fill_up(small)
        answers = []
        for i in range(200):  # until SQLite needs a page it cannot get
            body = schedule_body(name=f"full-{i}", description="x" * 2000)
            response = client.post(f"{API}/schedules", json=body)
            answers.append(response.status_code)
            if response.status_code != 201:
                unavailable(response, "disk")
                break
        assert 503 in answers and 500 not in answers
        filler.unlink()
        response = client.post(f"{API}/schedules", json=schedule_body(name="after"))
        assert response.status_code == 201, response.get_json()
    finally:
        rt.stop()


LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_database_locked_by_another_process_answers_503(tmp_path: Path) -> None:
    rt, client = sqlite_app(tmp_path / "data", busy_timeout_seconds=0.5)
    locker = subprocess.Popen(
        [sys.executable, "-c", LOCKER, str(tmp_path / "data" / "tickwork.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert locker.stdout is not None and locker.stdout.readline() == "locked\n"
        unavailable(client.post(f"{API}/schedules", json=schedule_body()), "locked")
    finally:
        locker.communicate("")
        rt.stop()
    assert locker.returncode == 0


def test_the_poll_logs_one_line_per_outage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The scheduler's own 2 s poll stays off: the test makes each poll itself.
    rt, _ = sqlite_app(tmp_path / "data", scheduler=False, busy_timeout_seconds=0.2)
    db = tmp_path / "data" / "tickwork.db"
    caplog.set_level(logging.INFO)
    try:
        moved = db.with_suffix(".away")
        os.rename(db, moved)  # the store is gone: every poll fails
        for _ in range(4):
            rt.engine._poll()
        os.rename(moved, db)
        rt.engine._poll()
        rt.engine._poll()
    finally:
        rt.stop()
    poll_lines = [r for r in caplog.records if r.message.startswith("scheduler poll")]
    assert [r.levelname for r in poll_lines] == ["WARNING", "WARNING"], poll_lines
    assert "deleted or replaced" in poll_lines[0].message
    assert "works again" in poll_lines[1].message
    assert not [r for r in caplog.records if r.exc_info], "no traceback for an outage"


def test_a_deleted_database_file_refuses_writes_and_fails_readiness(tmp_path: Path) -> None:
    token = f"t-{uuid.uuid4().hex}"
    rt, client = sqlite_app(tmp_path / "data", api_token=token)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    try:
        assert client.get(f"{API}/health").get_json()["database"]["reachable"] is True
        assert client.get("/readyz").status_code == 200
        assert client.post(f"{API}/schedules", json=schedule_body(name="kept")).status_code == 201
        (tmp_path / "data" / "tickwork.db").unlink()
        unavailable(client.post(f"{API}/schedules", json=schedule_body(name="lost")), "deleted")
        unavailable(client.get(f"{API}/schedules"), "deleted")
        health = client.get(f"{API}/health")
        assert health.status_code == 503 and health.headers["Retry-After"]
        body = health.get_json()
        assert body["status"] == "unavailable" and body["database"]["reachable"] is False
        assert "deleted" in body["database"]["error"]
        ready = client.get("/readyz")
        assert (ready.status_code, ready.get_json()) == (503, {"status": "unavailable"})
        assert client.get("/healthz").status_code == 200  # alive, only not ready
    finally:
        rt.stop()


def test_the_probes_are_open_to_everyone_and_the_detail_is_not(tmp_path: Path) -> None:
    rt, client = sqlite_app(tmp_path / "data", api_token=f"t-{uuid.uuid4().hex}")
    try:
        assert client.get(f"{API}/schedules").status_code == 401
        assert client.get(f"{API}/health").status_code == 401
        for probe in ("/healthz", "/readyz"):
            response = client.get(probe)
            assert (response.status_code, response.get_json()) == (200, {"status": "ok"})
    finally:
        rt.stop()


def test_a_real_server_whose_database_file_is_deleted_loses_no_acknowledged_write(
    tmp_path: Path,
) -> None:
    server = Server(tmp_path / "data", TEST_REGISTRY).start()
    try:
        status, kept = server.request("POST", f"{API}/schedules", schedule_body(name="kept"))
        assert status == 201
        (tmp_path / "data" / "tickwork.db").unlink()
        status, body = server.request("POST", f"{API}/schedules", schedule_body(name="lost"))
        assert (status, body["error"]) == (503, "storage_unavailable"), body
        assert "deleted" in body["message"]
        status, body = server.request("GET", "/readyz")
        assert (status, body["status"]) == (503, "unavailable")
    finally:
        server.stop()
    # A restart makes a new database: every write it answered 201 afterwards is kept, and
    # nothing was answered 201 while the file was gone.
    server = Server(tmp_path / "data", TEST_REGISTRY).start()
    try:
        assert server.get("/readyz")["status"] == "ok"
        status, made = server.request("POST", f"{API}/schedules", schedule_body(name="new"))
        assert status == 201
        names = [s["name"] for s in server.get(f"{API}/schedules")["items"]]
        assert names == ["new"] and kept["id"] != made["id"]
    finally:
        server.stop()
