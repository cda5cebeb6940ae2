"""How late does a burst of N cron fires start its processes? tickwork, raw APScheduler, the floor.

Every schedule runs bench/workflows.toml's `stamp`: `/bin/sh -c 'echo $(date +%s.%N)'`, so
each process prints its own clock. Lateness is that clock minus the minute it was due. Systems:

- tickwork: a real `tickwork serve` with its default run slots (256; `--max-concurrent-runs N`
  when N is larger) and its default fire lead (each fire claimed 2 s ahead and armed for its
  instant), its clock read back from the run's log (GET /api/v1/runs/{id}/log). It
  is also shown as recorded by tickwork itself (`started_at - scheduled_for`). For N=100 a
  second server with 4 slots (the old default) is measured too.
- raw APScheduler: an APScheduler 3 BackgroundScheduler with its defaults (10 threads, 1 s
  misfire grace) in this process, N cron jobs each running the command with stdout on a pipe.
  Fires its thread pool reaches more than 1 s late are dropped by APScheduler: see "started".
- floor: a bare Python parent that sleeps until the boundary, then Popens all N at once.

Below --together-max schedules (default 10) every system fires at the same minute boundaries:
a few processes do not compete for two cores. Above it the systems take turns, one boundary
each per round (tickwork, tickwork 4 slots, APScheduler, floor), so no system's burst slows
another's; the schedules name their minutes (`17,20 * * * *`) instead of `* * * * *` for that
reason only: it is the same cron path. Schedules are created with one import request.

Goals (printed as PASS or FAIL, never an exit status):
  N=1:    tickwork's recorded started_at - scheduled_for p99 <= 10 ms over 20 fires
  N=100:  tickwork p99 <= raw APScheduler p99, and <= 1.2 x floor p99
  N=1000: every job starts, and tickwork p99 <= 1.5 x floor p99

    python bench/burst_lateness.py --schedules N [--minutes M]

--minutes is the number of rounds (default 20 for N=1, so its goal has its 20 fires; 2 when
the systems share boundaries, else 1). Measured on two busy cores: N=1 about 21 minutes;
N=100 about 4 minutes a round (4 boundaries; `make bench` runs 3 rounds); N=1000 about 3 to 4
minutes (3 boundaries per round, plus reading 1,000 logs back). The waiting for the first
boundary adds up to a minute to each.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.integration.server import Server  # noqa: E402

REGISTRY = ROOT / "bench" / "workflows.toml"
COMMAND = ["/bin/sh", "-c", "echo $(date +%s.%N)"]
DEFAULT_SLOTS = 256  # config.py's default
OLD_SLOTS = 4  # the default before 256: shown beside it for N=100
N1_FIRES = 20
# Time to start the servers and import the schedules before the first boundary.
LEAD_SECONDS = 20.0
# How long a burst may take to finish after its last boundary before we stop waiting.
DRAIN_SECONDS = 90.0

# The floor's parent: nothing but a sleep and N spawns, all writing one O_APPEND file (one
# short line per write is atomic, and one file spares a thousand pipes).
FLOOR = """
import subprocess, sys, time
count, due, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
command = ["/bin/sh", "-c", "echo $(date +%s.%N)"]
time.sleep(max(0.0, due - time.time()))
with open(out, "ab") as sink:
    procs = [subprocess.Popen(command, stdout=sink) for _ in range(count)]
for proc in procs:
    proc.wait()
"""


class Plan:
    """Which minute boundaries (epoch seconds) each system fires at."""

    def __init__(self, systems: list[str], rounds: int, together: bool, first: int) -> None:
        self.systems = systems
        self.minutes: dict[str, list[int]] = {name: [] for name in systems}
        step = 1 if together else len(systems)
        for r in range(rounds):
            for i, name in enumerate(systems):
                self.minutes[name].append(first + 60 * (r * step + (0 if together else i)))
        self.last = max(m for ms in self.minutes.values() for m in ms)

    def cron_minutes(self, name: str) -> str:
        return ",".join(str(m // 60 % 60) for m in self.minutes[name])


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the sample at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def due_of(clock: float, minutes: list[int]) -> int:
    """The boundary a fire belonged to: the latest one at or before its clock."""
    return max((m for m in minutes if m <= clock + 1), default=minutes[0])


def schedules_document(count: int, minutes: str) -> dict[str, Any]:
    items = [
        {
            "id": str(uuid.uuid4()),
            "name": f"burst {i:04d}",
            "workflow_type": "stamp",
            "cron_schedule": f"{minutes} * * * *",
            "timezone": "UTC",
            "concurrency_policy": "allow",
        }
        for i in range(count)
    ]
    return {"version": 1, "schedules": items}


def start_tickwork(tmp: Path, name: str, slots: int | None) -> Server:
    """A server with `slots` run slots, or with the default when None."""
    args = ("--max-concurrent-runs", str(slots)) if slots else ()
    return Server(tmp / name, REGISTRY, extra_args=args).start(timeout=60)


def import_schedules(server: Server, count: int, minutes: str) -> None:
    status, body = server.request(
        "POST", "/api/v1/schedules/import", schedules_document(count, minutes)
    )
    assert status == 200, (status, body)


class RawAPScheduler:
    """The baseline engine: APScheduler's defaults, one cron job per schedule."""

    def __init__(self, count: int, minutes: list[int], cron_minutes: str) -> None:
        self.minutes = minutes
        self.lateness: list[float] = []
        self.missed = 0
        self._lock = threading.Lock()
        self.scheduler = BackgroundScheduler(timezone="UTC")
        # One warning per dropped fire would bury the table; the count is printed below it.
        logging.getLogger("apscheduler").setLevel(logging.ERROR)
        self.scheduler.add_listener(self._missed, EVENT_JOB_MISSED)
        for i in range(count):
            trigger = CronTrigger(minute=cron_minutes, second=0, timezone="UTC")
            self.scheduler.add_job(self._fire, trigger, id=f"raw{i}")

    def _fire(self) -> None:
        out = subprocess.run(COMMAND, stdout=subprocess.PIPE, check=True).stdout
        clock = float(out)
        with self._lock:
            self.lateness.append((clock - due_of(clock, self.minutes)) * 1000)

    def _missed(self, _event: JobExecutionEvent) -> None:
        with self._lock:
            self.missed += 1


def run_floor(count: int, due: int, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", FLOOR, str(count), str(due), str(out)])


def floor_lateness(out: Path, minutes: list[int]) -> list[float]:
    clocks = [float(line) for line in out.read_text().split()] if out.exists() else []
    return [(c - due_of(c, minutes)) * 1000 for c in clocks]


def wait_idle(server: Server, expected: int, deadline: float) -> None:
    """Until every expected run exists and none is queued or running, or the deadline."""
    while time.time() < deadline:
        made = server.get("/api/v1/runs?trigger=schedule&page_size=1")["total"]
        active = sum(
            server.get(f"/api/v1/runs?status={s}&page_size=1")["total"]
            for s in ("queued", "running")
        )
        if made >= expected and not active:
            return
        time.sleep(1.0)


def tickwork_runs(server: Server) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    page = 1
    while True:
        body = server.get(f"/api/v1/runs?trigger=schedule&page_size=200&page={page}")
        runs += body["items"]
        if page * 200 >= body["total"]:
            return runs
        page += 1


def tickwork_lateness(server: Server) -> tuple[list[float], list[float]]:
    """(shell clock - due, recorded started_at - scheduled_for), in ms, of every run."""
    shell: list[float] = []
    recorded: list[float] = []
    for run in tickwork_runs(server):
        if not run["started_at"]:
            continue
        due = datetime.fromisoformat(run["scheduled_for"])
        started = datetime.fromisoformat(run["started_at"])
        recorded.append((started - due).total_seconds() * 1000)
        text = server.get(f"/api/v1/runs/{run['id']}/log")["content"].strip()
        if text:
            shell.append((float(text) - due.timestamp()) * 1000)
    return shell, recorded


def row(system: str, count: int, values: list[float], expected: int) -> str:
    head = f"{system:<38} {count:>5} {len(values):>5}/{expected:<5}"
    if not values:
        return head + "      no fires"
    cells = (percentile(values, 0.5), percentile(values, 0.99), max(values))
    return head + "".join(f" {v:>10.1f}" for v in cells)


def goal(text: str, ok: bool) -> str:
    return f"goal: {text:<64} {'PASS' if ok else 'FAIL'}"


def p99(values: list[float]) -> float:
    return percentile(values, 0.99) if values else math.inf


def goals(count: int, figures: dict[str, list[float]], expected: dict[str, int]) -> list[str]:
    ours, raw, floor = figures["tickwork"], figures["raw APScheduler"], figures["floor"]
    if count == 1:
        recorded = figures["tickwork recorded"]
        enough = len(recorded) >= N1_FIRES
        return [
            goal(
                f"recorded started_at - scheduled_for p99 <= 10 ms ({len(recorded)} fires)",
                enough and p99(recorded) <= 10,
            )
        ]
    if count == 100:
        return [
            goal(f"tickwork p99 <= raw APScheduler p99 ({p99(raw):.1f} ms)", p99(ours) <= p99(raw)),
            goal(
                f"tickwork p99 <= 1.2 x floor p99 ({1.2 * p99(floor):.1f} ms)",
                p99(ours) <= 1.2 * p99(floor),
            ),
        ]
    if count == 1000:
        return [
            goal("every job starts", len(ours) == expected["tickwork"]),
            goal(
                f"tickwork p99 <= 1.5 x floor p99 ({1.5 * p99(floor):.1f} ms)",
                p99(ours) <= 1.5 * p99(floor),
            ),
        ]
    return [f"no goal is set for N={count}"]


def main() -> None:
    # SIGTERM (run.py's time limit) unwinds like an exception: servers stopped, temp dir gone.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=100)
    parser.add_argument(
        "--minutes",
        type=int,
        default=None,
        help="rounds (default 20 for N=1, 2 when the systems share boundaries, else 1)",
    )
    parser.add_argument("--together-max", type=int, default=10)
    args = parser.parse_args()
    count = args.schedules
    together = count <= args.together_max
    rounds = args.minutes or (N1_FIRES if count == 1 else 2 if together else 1)
    systems = ["tickwork", f"tickwork {OLD_SLOTS} slots", "raw APScheduler", "floor"]
    if count != 100:
        systems.remove(f"tickwork {OLD_SLOTS} slots")
    if rounds * (1 if together else len(systems)) > 59:
        parser.error("the plan must fit in one hour: fewer --minutes")

    with tempfile.TemporaryDirectory(prefix="tickwork-burst-") as tmp_name:
        tmp = Path(tmp_name)
        servers: dict[str, Server] = {}
        raw: RawAPScheduler | None = None
        floors: list[subprocess.Popen[bytes]] = []
        try:
            servers["tickwork"] = start_tickwork(
                tmp, "full", count if count > DEFAULT_SLOTS else None
            )
            if f"tickwork {OLD_SLOTS} slots" in systems:
                servers[f"tickwork {OLD_SLOTS} slots"] = start_tickwork(tmp, "old", OLD_SLOTS)
            first = (int((time.time() + LEAD_SECONDS) // 60) + 1) * 60
            plan = Plan(systems, rounds, together, first)
            for name, server in servers.items():
                import_schedules(server, count, plan.cron_minutes(name))
            raw = RawAPScheduler(
                count, plan.minutes["raw APScheduler"], plan.cron_minutes("raw APScheduler")
            )
            raw.scheduler.start()
            floor_out = tmp / "floor.out"
            for due in plan.minutes["floor"]:
                floors.append(run_floor(count, due, floor_out))
            mode = "together" if together else "taking turns"
            print(
                f"N={count}: {rounds} round(s), systems {mode}; last boundary "
                f"{datetime.fromtimestamp(plan.last):%H:%M} UTC, "
                f"about {(plan.last - time.time()) / 60 + 0.5:.0f} min from now; "
                f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
                flush=True,
            )
            time.sleep(max(0.0, plan.last + 2 - time.time()))
            deadline = time.time() + DRAIN_SECONDS
            for proc in floors:
                proc.wait(timeout=max(1.0, deadline - time.time()))
            for server in servers.values():
                wait_idle(server, count * rounds, deadline)
            raw.scheduler.shutdown(wait=True)
            figures: dict[str, list[float]] = {}
            expected = {name: count * rounds for name in systems}
            for name, server in servers.items():
                figures[name], recorded = tickwork_lateness(server)
                figures[f"{name} recorded"] = recorded
                expected[f"{name} recorded"] = count * rounds
            figures["raw APScheduler"] = raw.lateness
            figures["floor"] = floor_lateness(floor_out, plan.minutes["floor"])
        finally:
            for proc in floors:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            if raw is not None and raw.scheduler.running:
                raw.scheduler.shutdown(wait=False)
            for server in servers.values():
                server.stop()
    print(
        f"{'system (lateness, ms)':<38} {'N':>5} {'started':>11}"
        f" {'p50':>10} {'p99':>10} {'max':>10}"
    )
    order = [s for name in systems for s in (name, f"{name} recorded") if s in figures]
    for name in order:
        label = name.replace(" recorded", ": recorded started_at")
        print(row(label, count, figures[name], expected[name]))
    if raw is not None and raw.missed:
        print(f"raw APScheduler dropped {raw.missed} fire(s) as misfired (more than 1 s late)")
    print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for line in goals(count, figures, expected):
        print(line)


if __name__ == "__main__":
    main()
