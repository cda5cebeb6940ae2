"""Run every benchmark in bench/ and print its figures beside its baselines (`make bench`).

Each benchmark runs as its own process with the flags below, and is timed. The whole takes
about 43 minutes on two cores (minutes: burst N=1 about 21 for its 20 fires; N=100 about 13
for three rounds, as one round's floor alone ranged from 96 to 164 ms p99; N=1000 3 to 4;
big_store about 3; table_view about 1; fire_lateness on one minute about 2). A FAIL is a
figure, not a failure of the run; a benchmark that crashes or overruns its time limit makes
the run exit non-zero, after the others ran.

    python bench/run.py [NAME ...]    # e.g. `burst_lateness` or `big_store`: only those
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
# (script, flags, time limit in seconds): each limit well above what the benchmark needs.
BENCHMARKS = [
    ("burst_lateness", ["--schedules", "1"], 1800),
    ("burst_lateness", ["--schedules", "100", "--minutes", "3"], 1500),
    ("burst_lateness", ["--schedules", "1000"], 900),
    ("big_store", [], 900),
    ("table_view", [], 900),
    ("fire_lateness", ["--minutes", "1"], 600),
]


def run_one(argv: list[str], limit: float) -> bool:
    """Run a benchmark in a session of its own; past `limit` it gets SIGTERM (the benchmarks
    clean up on it), and a minute later its whole process group is killed."""
    proc = subprocess.Popen(argv, start_new_session=True)
    try:
        return proc.wait(timeout=limit) == 0
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        return False


def main() -> int:
    wanted = set(sys.argv[1:])
    failed = []
    for name, flags, limit in BENCHMARKS:
        if wanted and name not in wanted:
            continue
        title = " ".join([name, *flags])
        print(f"== {title}", flush=True)
        begun = time.monotonic()
        ok = run_one([sys.executable, str(HERE / f"{name}.py"), *flags], limit)
        if not ok:
            print(f"{title}: failed or stopped after its limit of {limit} s", flush=True)
        print(f"== {title}: {time.monotonic() - begun:.0f} s\n", flush=True)
        if not ok:
            failed.append(title)
    if failed:
        print("failed: " + "; ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
