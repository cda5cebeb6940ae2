"""The executor contract: what the dispatcher and the runtime may ask of whatever runs runs.

The local thread pool (executor/local.py) is one implementation; a Celery one can be another.
An executor reads a submitted run from the store and moves it through `store.lifecycle`
(start, then finish or fail); it never decides whether a run is due or allowed to overlap.
"""

from __future__ import annotations

from typing import Protocol


class Executor(Protocol):
    # Who owns the runs it queues ("host:pid:start"): recovery ends a dead owner's runs.
    instance: str

    def submit(self, run_id: int) -> None:
        """Start the queued run `run_id` when a slot is free; returns at once. A run that
        is no longer queued by then (cancelled, skipped) is not started."""
        ...

    def stop(self, run_id: int, reason: str) -> bool:
        """Stop a run this executor is running, to end with `reason`; False when it is not
        one of its own (another process's, or ended already)."""
        ...

    def shutdown(self, grace: float) -> None:
        """Let running runs finish for up to `grace` seconds, stop the rest, and end the runs
        it queued and did not start as cancelled."""
        ...
