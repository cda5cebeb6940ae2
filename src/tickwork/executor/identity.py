"""Process identity: a process is named by its host, its pid *and* its start time.

A bare pid is reused: after a crash and a reboot it may belong to something else, which must
never be taken for a run's process nor be killed. The start time (as the kernel reports it)
tells the two apart; owners of runs are written in this form, so that start-up recovery can
tell a dead owner from a live one.
"""

from __future__ import annotations

import os
import socket

import psutil

# Start times are compared to within this many seconds: psutil derives them from boot time
# and clock ticks, so two reads of one process can differ in the last digits.
SAME_START_SECONDS = 0.05


def process_started_at(pid: int) -> float | None:
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


def instance_name(pid: int | None = None) -> str:
    """This process as owners are written: host, pid and start time."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{process_started_at(pid) or 0:.2f}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process `owner` (an `instance_name`) still runs; another host's owner
    counts as alive, since only its own host can judge it."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text, _, started_text = rest.partition(":")
    if host != socket.gethostname():
        return True  # not ours to judge
    try:
        pid, started = int(pid_text), float(started_text)
    except ValueError:
        return False
    return same_process(pid, started)


def same_process(pid: int, started_at: float | None) -> bool:
    actual = process_started_at(pid)
    return (
        started_at is not None
        and actual is not None
        and abs(actual - started_at) < SAME_START_SECONDS
    )
