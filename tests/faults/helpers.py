"""Helpers for fault tests: process liveness, pids from a run's log, a serve fixture."""

from __future__ import annotations

import os
import re

import psutil

from tests.conftest import wait_for
from tests.integration.server import Server


def pids_in_log(server: Server, run_id: int) -> dict[str, int]:
    """The job's own pid and its grandchild's, once the job has printed both."""

    def read() -> dict[str, int] | None:
        text = server.get(f"/api/v1/runs/{run_id}/log")["content"]
        found = dict(re.findall(r"^(job pid|grandchild) (\d+)$", text, re.M))
        return {k: int(v) for k, v in found.items()} if len(found) == 2 else None

    return dict(wait_for(read, timeout=20))


def rss(pid: int) -> int:
    return int(psutil.Process(pid).memory_info().rss)


def kill_9(server: Server) -> None:
    assert server.proc is not None
    os.kill(server.proc.pid, 9)
    server.proc.wait(timeout=10)
    server.stop()  # collects what it printed
