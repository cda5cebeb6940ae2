"""Shared steps of the demo pipeline: each prints progress and takes a little time.

`DEMO_STEP_SECONDS` sets the pause per step (default 0.5) and `DEMO_FAIL=1` makes the run
fail, so a scheduler's handling of slow and failing jobs can be seen without real work.
"""

from __future__ import annotations

import os
import random
import sys
import time

STEP_SECONDS = float(os.environ.get("DEMO_STEP_SECONDS", "0.5"))


def step(name: str, items: int) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {name}: {items} item(s)", flush=True)
    for i in range(1, items + 1):
        time.sleep(STEP_SECONDS / max(items, 1))
        print(f"  {name} {i}/{items}", flush=True)


def maybe_fail(stage: str) -> None:
    if os.environ.get("DEMO_FAIL") == "1" or random.random() < float(
        os.environ.get("DEMO_FAIL_RATE", "0")
    ):
        print(f"error: {stage} failed (demo failure)", file=sys.stderr, flush=True)
        sys.exit(2)
