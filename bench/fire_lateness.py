"""How late does a cron fire start its process? tickwork against bare APScheduler, same minutes.

tickwork: a real `tickwork serve` with N schedules on `* * * * *`; lateness is the run's
`started_at` (process spawned) minus its `scheduled_for`. Baseline, in this process at the same
time: an APScheduler 3 BackgroundScheduler whose N cron jobs only spawn the same command; its
lateness is the moment Popen returned minus the scheduled instant. The difference is what
tickwork's claim-insert, policy checks and bookkeeping cost on the way.

    python bench/fire_lateness.py [--schedules N] [--minutes M]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.integration.server import Server  # noqa: E402

REGISTRY = ROOT / "tests" / "fixtures" / "workflows.toml"
JOB = [sys.executable, str(ROOT / "tests" / "fixtures" / "jobs.py")]


def baseline(count: int, stop: threading.Event, lateness: list[float]) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    lock = threading.Lock()

    def fire() -> None:
        now = datetime.now(UTC)
        proc = subprocess.Popen(JOB, stdout=subprocess.DEVNULL)
        started = datetime.now(UTC)
        scheduled = now.replace(second=0, microsecond=0)
        with lock:
            lateness.append((started - scheduled).total_seconds() * 1000)
        proc.wait()

    for i in range(count):
        scheduler.add_job(fire, CronTrigger(second=0), id=f"b{i}", max_instances=5)
    scheduler.start()
    return scheduler


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<22} no fires"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"{name:<22} fires {len(values):>4}   median {statistics.median(values):7.1f} ms"
        f"   p95 {p95:7.1f} ms   max {max(values):7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=10)
    parser.add_argument("--minutes", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        # As many run slots as schedules: the bench measures firing, not the global limit.
        slots = ("--max-concurrent-runs", str(args.schedules))
        server = Server(Path(tmp) / "data", REGISTRY, extra_args=slots).start()
        try:
            for i in range(args.schedules):
                server.request(
                    "POST",
                    "/api/v1/schedules",
                    {
                        "name": f"bench {i}",
                        "workflow_type": "job",
                        "cron_schedule": "* * * * *",
                        "concurrency_policy": "allow",
                    },
                )
            base_lateness: list[float] = []
            base = baseline(args.schedules, threading.Event(), base_lateness)
            start = time.time()
            end_minute = (int(start // 60) + args.minutes + 1) * 60 + 5
            print(
                f"waiting for {args.minutes} minute boundaries with {args.schedules} schedules..."
            )
            time.sleep(end_minute - start)
            base.shutdown(wait=True)
            ours: list[float] = []
            for item in server.get("/api/v1/schedules?page_size=200")["items"]:
                runs = server.get(f"/api/v1/schedules/{item['id']}/runs?page_size=200")["items"]
                for run in runs:
                    if run["trigger"] == "schedule" and run["started_at"]:
                        started = datetime.fromisoformat(run["started_at"])
                        scheduled = datetime.fromisoformat(run["scheduled_for"])
                        ours.append((started - scheduled).total_seconds() * 1000)
        finally:
            server.stop()
    print(summary("baseline APScheduler", base_lateness))
    print(summary("tickwork serve", ours))


if __name__ == "__main__":
    main()
