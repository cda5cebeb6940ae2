"""Helpers for fault tests: process liveness, pids from a run's log, a serve fixture."""

from __future__ import annotations

import errno
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def small_disk(path: Path, size: str = "2m") -> Iterator[Path]:
    """A real file system of `size` (tmpfs) mounted at `path`, for running out of space."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def fill(disk: Path) -> Path:
    """Take every free byte of `disk`; delete the returned file to give them back."""
    filler = disk / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler
