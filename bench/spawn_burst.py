"""How late do N processes launched at one instant start: through one Supervisor, or as N bare
`subprocess.Popen` calls from one parent (the floor)?

Each process is `/bin/sh -c 'echo $(date +%s.%N)'`, so it prints its own clock; lateness is
that clock minus t0, read just before the first spawn. Both systems spawn from one thread of
this process, in a loop. The floor's children write to one O_APPEND file (a short line per
write is atomic); the supervisor's each get their pipes, their capped log and a RUN_TAG, as a
run does. The systems take turns, round after round, so the machine's load falls on both.

Goals (printed as PASS or MISS, never an exit status):
  N=100:  supervisor p99 <= 1.2 x floor p99
  N=1000: every job starts, and supervisor p99 <= 1.5 x floor p99

    python bench/spawn_burst.py [--counts 100 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from tickwork.cli import _allow_open_files  # noqa: E402
from tickwork.executor.process import (  # noqa: E402
    RUN_TAG,
    Control,
    ProcessResult,
    ProcessSpec,
)
from tickwork.executor.supervisor import Supervisor  # noqa: E402

COMMAND = ["/bin/sh", "-c", "echo $(date +%s.%N)"]
GOALS = {100: 1.2, 1000: 1.5}
# Between rounds: let the last burst's processes and their cleanup finish.
SETTLE_SECONDS = 1.0


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: the smallest value with at least q of the sample at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def floor(count: int, tmp: Path) -> list[float]:
    out = tmp / "floor.out"
    out.unlink(missing_ok=True)
    with out.open("ab") as sink:
        t0 = time.time()
        procs = [subprocess.Popen(COMMAND, stdout=sink) for _ in range(count)]
    for proc in procs:
        proc.wait()
    return [float(line) - t0 for line in out.read_text().split()]


def supervised(supervisor: Supervisor, count: int, tmp: Path, round_no: int) -> list[float]:
    ended: list[ProcessResult] = []
    lock = threading.Lock()
    all_ended = threading.Event()

    def on_end(result: ProcessResult) -> None:
        with lock:
            ended.append(result)
            if len(ended) == count:
                all_ended.set()

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    specs = [
        ProcessSpec(
            argv=COMMAND,
            cwd=tmp,
            env={**env, RUN_TAG: f"bench/{round_no}/{i}"},
            timeout_seconds=60.0,
            log_path=tmp / "logs" / f"{round_no}-{i}.log",
            log_max_bytes=1024 * 1024,
            tail_bytes=4096,
            tag=f"bench/{round_no}/{i}",
        )
        for i in range(count)
    ]
    t0 = time.time()
    for spec in specs:
        supervisor.launch(spec, Control(), on_end)
    if not all_ended.wait(timeout=120):
        raise SystemExit(f"only {len(ended)} of {count} ended")
    failed = [r for r in ended if r.outcome != "success"]
    if failed:
        raise SystemExit(f"{len(failed)} runs did not succeed: {failed[0].error}")
    return [float(r.output_tail) - t0 for r in ended]


def row(name: str, values: list[float], count: int, rounds: int) -> str:
    p50, p99 = percentile(values, 0.5) * 1000, percentile(values, 0.99) * 1000
    started = f"{len(values)}/{count * rounds}"
    return f"{name:<12} {started:>11} {p50:>9.1f} {p99:>9.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    _allow_open_files(8 * max(args.counts) + 256)  # pipes, pidfds and logs of every run
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as name, Supervisor() as supervisor:
        tmp = Path(name)
        for count in args.counts:
            lateness: dict[str, list[float]] = {"floor": [], "supervisor": []}
            for round_no in range(args.rounds):
                lateness["floor"] += floor(count, tmp)
                time.sleep(SETTLE_SECONDS)
                lateness["supervisor"] += supervised(supervisor, count, tmp, round_no)
                time.sleep(SETTLE_SECONDS)
            print(f"\nN={count}, {args.rounds} rounds: lateness of the job's clock after t0")
            print(f"{'system':<12} {'started':>11} {'p50 ms':>9} {'p99 ms':>9}")
            for system, values in lateness.items():
                print(row(system, values, count, args.rounds))
            ratio = percentile(lateness["supervisor"], 0.99) / percentile(lateness["floor"], 0.99)
            goal = GOALS.get(count)
            verdict = "" if goal is None else (" PASS" if ratio <= goal else " MISS")
            print(f"p99 supervisor / floor = {ratio:.2f}" + (f" (goal <= {goal}){verdict}"))
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
