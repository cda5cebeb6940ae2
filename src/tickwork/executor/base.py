"""The executor contract: what the dispatcher and the runtime may ask of whatever runs runs.

The local thread pool (executor/local.py) is one implementation; a Celery one can be another.
An executor is handed tickets (queued runs with all they need: it reads nothing to start
them) and moves them through `store.lifecycle` (start, then finish or fail). Whether a fire
runs at all (forbid, replace) is decided where it is claimed; when a queued run starts (slots,
priority, not_before, buffer policies, starting deadline) is the executor's admission.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from tickwork.executor.admission import Ticket, Waiting

# What `Executor.stop` did: took a waiting run out of its queue, or began stopping one it
# launched (whose row may still say queued: "running" is recorded after the spawn).
Stopped = Literal["dropped", "stopping"]


@dataclass(frozen=True)
class QueueView:
    """The executor's queue as the API shows it."""

    slots_total: int
    slots_busy: int
    waiting: list[Waiting]


class Executor(Protocol):
    # Who owns the runs it queues ("host:pid:start"): recovery ends a dead owner's runs.
    instance: str

    def start(self) -> None:
        """Begin running what is submitted (a web-only process never calls it)."""
        ...

    def submit(self, tickets: Sequence[Ticket]) -> None:
        """Start the queued runs of `tickets` when admission lets them; returns at once. A run
        that is no longer queued by then (cancelled, skipped) is not started."""
        ...

    def stop(self, run_id: int, reason: str) -> Stopped | None:
        """Stop a run this executor launched, to end with `reason` ("stopping": its end is
        recorded by its process), or drop it from its queue ("dropped": it will never
        start, and the caller ends its row); None when it is not one of its own (another
        process's, not submitted yet, or ended already)."""
        ...

    def withdraw_armed(self, schedule_id: str | None) -> list[int]:
        """Drop from the queue the armed runs (cron fires claimed ahead of their instant) of
        `schedule_id`, of every schedule when None, whose instant has not come; their ids.
        The caller deletes their rows."""
        ...

    def queue(self) -> QueueView | None:
        """The queued runs in start order with why each waits; None when this executor runs
        nothing in this process (a web-only process)."""
        ...

    def shutdown(self, grace: float) -> None:
        """Let running runs finish for up to `grace` seconds and stop the rest. Runs it holds
        queued stay queued in the store: the next start adopts them."""
        ...
