"""The schedules table with 10,000 schedules, in headless Chromium: time to the first page's
rows, a far page, two sorts, and the frames of a scroll, beside the same page with 10
schedules (the baseline, in the same run).

The store is filled as bench/big_store.py fills it (one run per schedule), then a real
`tickwork serve` answers a real browser (bench/table_view.mjs, through the page's own
playwright-core and Debian's chromium). Figures in ms; goals (PASS or FAIL, never an exit
status): the first page drawn within 1,000 ms, no scroll frame over 50 ms.

    python bench/table_view.py [--schedules 10000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.big_store import REGISTRY, fill  # noqa: E402
from tests.integration.server import Server  # noqa: E402

GOAL_FIRST_PAGE_MS = 1000
GOAL_FRAME_MS = 50
PAGE_SIZE = 50


def measure(schedules: int, tmp: Path) -> dict[str, float]:
    data = tmp / f"data{schedules}"
    data.mkdir(mode=0o700)
    fill(f"sqlite:///{data / 'tickwork.db'}", schedules, schedules)
    server = Server(data, REGISTRY).start(timeout=300)
    try:
        last_page = max(1, math.ceil(schedules / PAGE_SIZE))
        out = subprocess.run(
            [
                "node",
                str(ROOT / "bench" / "table_view.mjs"),
                server.url.rstrip("/"),
                str(last_page),
            ],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "FRONTEND": str(ROOT / "frontend")},
            timeout=600,
        )
    finally:
        server.stop()
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tickwork-table-") as name:
        ours = measure(args.schedules, Path(name))
        base = measure(10, Path(name))
    print(f"{'schedules table (ms)':<28} {args.schedules:>10} {'10 (baseline)':>14}")
    for key in ours:
        print(f"{key:<28} {ours[key]:>10} {base[key]:>14}")
    first = ours["first_page"]
    frame = ours["scroll_frame_longest"]
    verdict = "PASS" if first <= GOAL_FIRST_PAGE_MS else "FAIL"
    print(f"first page <= {GOAL_FIRST_PAGE_MS} ms: {verdict}")
    print(f"scroll frames <= {GOAL_FRAME_MS} ms: {'PASS' if frame <= GOAL_FRAME_MS else 'FAIL'}")


if __name__ == "__main__":
    main()
