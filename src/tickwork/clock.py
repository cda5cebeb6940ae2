"""The time, passed in: every "now" of the scheduler, the dispatcher and the service comes from
a `Clock`, so their decisions can be tested at any instant without waiting for it.

Durations and timeouts stay on the monotonic clock (executor/process.py): they measure, they
do not decide what is due.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


SYSTEM = SystemClock()
