"""Concurrent clients and runs against one store: no "database is locked", no 5xx; and a
`kill -9` in the middle of writes leaves a consistent store that loses no acknowledged write."""

from __future__ import annotations

import http.client
import random
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path

from tests.conftest import TEST_REGISTRY, wait_for
from tests.faults.helpers import kill_9
from tests.integration.server import Server

CLIENTS = 8
REQUESTS = 40


def hammer(
    server: Server, seed: int, statuses: Counter[int], created: list[str], stop: threading.Event
) -> None:
    rng = random.Random(seed)
    mine: list[str] = []
    for i in range(REQUESTS):
        if stop.is_set():
            return
        action = (
            rng.choice(["create", "create", "update", "toggle", "run", "list"])
            if mine
            else "create"
        )
        try:
            if action == "create":
                status, body = server.request(
                    "POST",
                    "/api/v1/schedules",
                    {
                        "name": f"c{seed}-{i}",
                        "workflow_type": "job",
                        "cron_schedule": "*/5 * * * *",
                        "concurrency_policy": "allow",
                    },
                )
                if status == 201:
                    mine.append(body["id"])
                    created.append(body["id"])
            elif action == "update":
                status, _ = server.request(
                    "PATCH", f"/api/v1/schedules/{rng.choice(mine)}", {"description": f"v{i}"}
                )
            elif action == "toggle":
                status, _ = server.request("POST", f"/api/v1/schedules/{rng.choice(mine)}/toggle")
            elif action == "run":
                status, _ = server.request("POST", f"/api/v1/schedules/{rng.choice(mine)}/run")
            else:
                status, _ = server.request("GET", "/api/v1/schedules?page_size=200")
        except (OSError, http.client.HTTPException):
            if stop.is_set():
                return  # the server was killed under us, on purpose
            raise
        statuses[status] += 1


def run_clients(
    server: Server, stop: threading.Event
) -> tuple[Counter[int], list[str], list[threading.Thread]]:
    statuses: Counter[int] = Counter()
    created: list[str] = []
    threads = [
        threading.Thread(target=hammer, args=(server, n, statuses, created, stop))
        for n in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    return statuses, created, threads


def test_concurrent_clients_and_runs_never_see_a_locked_database(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", TEST_REGISTRY).start()
    try:
        statuses, created, threads = run_clients(server, threading.Event())
        for t in threads:
            t.join(timeout=180)
        assert sum(statuses.values()) == CLIENTS * REQUESTS, statuses
        assert set(statuses) <= {200, 201, 202}, statuses
        wait_for(lambda: server.get("/api/v1/schedules/status")["running_runs"] == [], timeout=60)
    finally:
        server.stop()
    log = "".join(server.output)
    assert "database is locked" not in log
    assert "Traceback" not in log


def test_a_kill_in_the_middle_of_writes_leaves_a_consistent_store(
    tmp_path: Path, database_url: str | None
) -> None:
    server = Server(tmp_path / "data", TEST_REGISTRY, database_url).start()
    stop = threading.Event()
    statuses, created, threads = run_clients(server, stop)
    wait_for(lambda: len(created) >= 30, timeout=60)
    time.sleep(0.2)
    acknowledged = list(created)
    stop.set()
    kill_9(server)
    for t in threads:
        t.join(timeout=60)
    if database_url is None:
        with sqlite3.connect(tmp_path / "data" / "tickwork.db") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    server.start()
    try:
        listed = {s["id"] for s in server.get("/api/v1/schedules?page_size=200")["items"]}
        assert set(acknowledged) <= listed, "an acknowledged create was lost"
        status = server.get("/api/v1/schedules/status")
        for run in status["running_runs"]:
            assert run["started_at"] is None or run["status"] == "running"
        wait_for(lambda: server.get("/api/v1/schedules/status")["running_runs"] == [], timeout=60)
    finally:
        server.stop()
