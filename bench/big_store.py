"""A big store (10,000 schedules, 1,000,000 runs): how fast does tickwork start and answer?

The store is filled directly: tickwork's own Store and migrations create the tables, then
SQLAlchemy Core inserts rows into them in chunks (100 runs per schedule, trigger `schedule`,
one per hour over the last days so the (schedule_id, scheduled_for) claim key stays unique and
retention prunes nothing). The filled file is kept in a temp dir for this run only; each
start-up measured uses a fresh copy of it, so no start sees what an earlier one wrote.

Measured on a real `tickwork serve` (bench/workflows.toml as its registry):
- start-up: from spawning the process to its "serving on" line;
- RSS of the server after start-up and after the requests (psutil);
- p50/p99/max over --requests requests (after a few warm-up ones, on one kept-alive
  connection) of GET /api/v1/schedules, GET /api/v1/schedules/status and
  GET /api/v1/schedules/{id}/runs with random ids.

Baselines in the same run: the same requests against a minimal Flask app on waitress that
answers every path with a fixed 10 KB JSON document (the HTTP floor), and the wall time of a
bare `python -c 'import tickwork.app'`.

The statistics (GET /api/v1/stats per window and /schedules/{id}/stats) read the rollups,
which the fill counts from the stored runs as the migration does; beside them the bench times
the plainest part of the same answer taken from the runs themselves (counts by status and the
longest duration over 7 days, one SQL query without percentiles), in process.

Goals (PASS or FAIL, never an exit status): start-up <= 3 s, RSS <= 200 MB, each endpoint
p99 <= 50 ms, the statistics p99 <= 100 ms.

    python bench/big_store.py [--schedules 10000] [--runs 1000000] [--requests 50]
                              [--starts 2] [--postgres URL]

The start-up goal is checked on the slowest start. About 3 minutes on two busy cores, most of
it the fill (50 to 70 s) and the copies of the 1 GB file. --postgres fills and serves the
database at URL instead of SQLite (not run by default); it must hold no tickwork tables, and
every table the bench created there is dropped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import math
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import insert, inspect, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.integration.server import Server  # noqa: E402

from tickwork.store import rollups  # noqa: E402
from tickwork.store.db import Store  # noqa: E402
from tickwork.store.tables import Base, RunRow, ScheduleRow  # noqa: E402

REGISTRY = ROOT / "bench" / "workflows.toml"
CHUNK = 20_000
WARM_UP = 3
GOAL_START_SECONDS = 3.0
GOAL_RSS_MB = 200.0
GOAL_P99_MS = 50.0
GOAL_STATS_P99_MS = 100.0
STATS_WINDOWS = ("24h", "7d", "90d")

# The HTTP floor: Flask on waitress, one fixed 10 KB JSON answer for every path.
FLOOR_APP = """
import json, sys
import waitress
from flask import Flask, Response
body = json.dumps({"items": [{"id": i, "name": "x" * 80} for i in range(100)]})[:10240]
app = Flask("floor")
@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def answer(path):
    return Response(body, mimetype="application/json")
server = waitress.create_server(app, host="127.0.0.1", port=0, threads=32)
print(f"serving on http://127.0.0.1:{server.effective_port}/ ", flush=True)
server.run()
"""


def schedule_rows(count: int, now: datetime) -> list[dict[str, Any]]:
    rng = random.Random(1)
    rows = []
    for i in range(count):
        rows.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "name": f"schedule {i:05d}",
                "description": "",
                "enabled": True,
                "workflow_type": "stamp",
                "parameters": {},
                "cron_schedule": f"{rng.randrange(60)} {rng.randrange(24)} * * *",
                "timezone": "Europe/Berlin",
                "timeout_seconds": 1800,
                "concurrency_policy": "forbid",
                "catch_up": "once",
                "created_at": now - timedelta(days=30),
                "updated_at": now - timedelta(days=30),
                "last_run": now - timedelta(hours=1),
                "last_status": "success",
            }
        )
    return rows


def run_rows(ids: list[str], per_schedule: int, now: datetime) -> Iterator[dict[str, Any]]:
    """Oldest first, so ids grow with time as they do in a live store."""
    base = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=per_schedule)
    for k in range(per_schedule):
        due = base + timedelta(hours=k)
        started = due + timedelta(milliseconds=20)
        finished = started + timedelta(seconds=2)
        for j, schedule_id in enumerate(ids):
            failed = (j + k) % 17 == 0
            yield {
                "schedule_id": schedule_id,
                "trigger": "schedule",
                "attempt": 1,
                "scheduled_for": due,
                "queued_at": due,
                "started_at": started,
                "finished_at": finished,
                "duration_seconds": 2.0,
                "status": "failed" if failed else "success",
                "exit_code": 1 if failed else 0,
                "command": ["/bin/sh", "-c", "echo $(date +%s.%N)"],
                "output_tail": "1764640800.123456789\n",
                "error": "exit code 1" if failed else None,
                "cpu_seconds": 0.01,
                "peak_memory_bytes": 2_000_000,
                "log_path": None,
                "pid": 1000 + j,
                "pid_started_at": started.timestamp(),
                "owner": "bench:1:0",
            }


def chunks(rows: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in rows:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(url: str, schedules: int, runs: int) -> tuple[list[str], float]:
    """Migrate and fill the store at `url`; returns the schedule ids and the seconds it took."""
    begun = time.perf_counter()
    store = Store(url)
    try:
        if inspect(store.engine).has_table("schedules"):
            raise SystemExit(f"{url} already holds tickwork tables; give an empty database")
        store.migrate()
        now = datetime.now(UTC)
        rows = schedule_rows(schedules, now)
        ids = [row["id"] for row in rows]
        with store.engine.begin() as conn:
            conn.execute(insert(ScheduleRow.__table__), rows)
            for batch in chunks(run_rows(ids, max(1, runs // schedules), now), CHUNK):
                conn.execute(insert(RunRow.__table__), batch)
        # The rows went in around the lifecycle, so the statistics count them as the
        # migration that brought rollups in counts a stored history.
        counted = time.perf_counter()
        with store.session() as session:
            rollups.rebuild(session, now)
        print(f"rollups counted in {time.perf_counter() - counted:.1f} s", flush=True)
        print(f"{'from the runs (no rollups), 7 days (ms)':<40} {from_runs_ms(store, now)}")
        if store.is_sqlite:
            # Into the main file: the cached copy is that one file, without its -wal.
            raw = store.engine.raw_connection()
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        else:
            with store.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
    finally:
        store.dispose()
    return ids, time.perf_counter() - begun


def from_runs_ms(store: Store, now: datetime, tries: int = 5) -> str:
    """Counts by status and the longest duration over 7 days, straight from the runs."""
    query = text(
        "SELECT status, count(*), max(duration_seconds) FROM runs"
        " WHERE finished_at >= :since GROUP BY status"
    )
    since = (now - timedelta(days=7)).replace(tzinfo=None)
    times = []
    with store.engine.connect() as conn:
        for _ in range(tries):
            begun = time.perf_counter()
            conn.execute(query, {"since": since}).all()
            times.append((time.perf_counter() - begun) * 1000)
    return f"p50 {statistics.median(times):.0f}, max {max(times):.0f} ({tries} queries)"


def drop_all(url: str) -> None:
    store = Store(url)
    try:
        Base.metadata.drop_all(store.engine)
        with store.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        store.dispose()


class Client:
    """One kept-alive HTTP connection, timing each GET."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").rstrip("/").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)

    def get_ms(self, path: str) -> float:
        begun = time.perf_counter()
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - begun) * 1000
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status}")
        return elapsed

    def close(self) -> None:
        self.conn.close()


def endpoints(ids: list[str], count: int) -> dict[str, list[str]]:
    rng = random.Random(2)
    return {
        "GET /api/v1/schedules": ["/api/v1/schedules"] * count,
        "GET /api/v1/schedules/status": ["/api/v1/schedules/status"] * count,
        "GET /api/v1/schedules/{id}/runs": [
            f"/api/v1/schedules/{rng.choice(ids)}/runs" for _ in range(count)
        ],
        **{
            f"GET /api/v1/stats?window={window}": [f"/api/v1/stats?window={window}"] * count
            for window in STATS_WINDOWS
        },
        "GET /api/v1/schedules/{id}/stats": [
            f"/api/v1/schedules/{rng.choice(ids)}/stats?window={rng.choice(STATS_WINDOWS)}"
            for _ in range(count)
        ],
    }


def timings(url: str, paths: dict[str, list[str]]) -> dict[str, list[float]]:
    client = Client(url)
    try:
        out = {}
        for name, items in paths.items():
            for path in items[:WARM_UP]:
                client.get_ms(path)
            out[name] = [client.get_ms(path) for path in items]
        return out
    finally:
        client.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def rss_mb(pid: int) -> float:
    return float(psutil.Process(pid).memory_info().rss) / 2**20


def start_tickwork(
    tmp: Path, cached: Path | None, url: str | None, index: int
) -> tuple[Server, float]:
    data = tmp / f"data{index}"
    data.mkdir(mode=0o700)
    if cached is not None:
        shutil.copyfile(cached, data / "tickwork.db")
    begun = time.perf_counter()
    server = Server(data, REGISTRY, database_url=url).start(timeout=300)
    return server, time.perf_counter() - begun


def floor_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-c", FLOOR_APP], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "serving on" not in line:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"floor app did not start: {line!r}")
    return proc, line.split()[2]


def import_seconds(tries: int = 3) -> list[float]:
    out = []
    for _ in range(tries):
        begun = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import tickwork.app"], check=True)
        out.append(time.perf_counter() - begun)
    return out


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(
    args: argparse.Namespace,
    fill_seconds: float,
    starts: list[float],
    rss: tuple[float, float],
    ours: dict[str, list[float]],
    floor: dict[str, list[float]],
    imports: list[float],
) -> None:
    kind = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"store: {kind}, {args.schedules} schedules, {args.runs} runs,"
        f" filled in {fill_seconds:.1f} s"
    )
    start = max(starts)
    start_ok = verdict(start <= GOAL_START_SECONDS)
    print(
        f"{'start-up to serving (s)':<40} {', '.join(f'{s:.2f}' for s in starts):<24}"
        f" import tickwork.app alone: {statistics.median(imports):.2f} s (median of "
        f"{len(imports)})   goal <= {GOAL_START_SECONDS:.0f} s  {start_ok}"
    )
    print(
        f"{'server RSS (MB)':<40} after start {rss[0]:.0f}, after requests {rss[1]:.0f}"
        f"   goal <= {GOAL_RSS_MB:.0f} MB  {verdict(max(rss) <= GOAL_RSS_MB)}"
    )
    print(f"{'endpoint (ms)':<32} {'system':<28} {'N':>4} {'p50':>8} {'p99':>8} {'max':>8}  goal")
    for name, values in ours.items():
        for system, sample in (("tickwork", values), ("floor: Flask+waitress 10 KB", floor[name])):
            p99 = percentile(sample, 0.99)
            tail = ""
            if system == "tickwork":
                goal = GOAL_STATS_P99_MS if "stats" in name else GOAL_P99_MS
                tail = f"  p99 <= {goal:.0f}  {verdict(p99 <= goal)}"
            print(
                f"{name:<32} {system:<28} {len(sample):>4} {percentile(sample, 0.5):>8.1f}"
                f" {p99:>8.1f} {max(sample):>8.1f}{tail}"
            )


def main() -> None:
    # SIGTERM (run.py's time limit) unwinds like an exception: servers stopped, temp dir gone.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--starts", type=int, default=2, help="start-ups measured (SQLite)")
    parser.add_argument("--postgres", metavar="URL", help="fill and serve this PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tickwork-big-store-") as tmp_name:
        tmp = Path(tmp_name)
        cached = None if args.postgres else tmp / "filled.db"
        url = args.postgres or f"sqlite:///{cached}"
        print(f"filling {args.schedules} schedules and {args.runs} runs...", flush=True)
        try:
            ids, fill_seconds = fill(url, args.schedules, args.runs)
            starts: list[float] = []
            rss = (0.0, 0.0)
            ours: dict[str, list[float]] = {}
            for index in range(1 if args.postgres else args.starts):
                server, seconds = start_tickwork(tmp, cached, args.postgres, index)
                try:
                    starts.append(seconds)
                    assert server.proc is not None
                    after_start = rss_mb(server.proc.pid)
                    if index == 0:
                        ours = timings(server.url, endpoints(ids, args.requests))
                        rss = (after_start, rss_mb(server.proc.pid))
                finally:
                    server.stop()
        finally:
            if args.postgres:
                drop_all(args.postgres)
        proc, floor_url = floor_server()
        try:
            floor = timings(floor_url, endpoints(ids, args.requests))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        imports = import_seconds()
    report(args, fill_seconds, starts, rss, ours, floor, imports)


if __name__ == "__main__":
    main()
