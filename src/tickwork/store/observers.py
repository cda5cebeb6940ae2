"""Who hears of a run's start and end once it is committed: the metrics, and whatever else
counts runs in-process without reading the store again.

    lifecycle transition ──note(session, RunChange)──> session.info (this transaction's list)
        COMMIT ──> every listener of the Store, with the transaction's changes at once
        ROLLBACK, or a transaction tried again ──> nothing: the list goes with its session
        a SAVEPOINT rolled back ──> the notes made inside it are dropped, the others kept

The listeners live on the Store (`Store.run_listeners`) and reach every write session through
its `info`, so no caller of the lifecycle can forget to pass them, and the lifecycle imports
nothing of what listens. A listener runs after COMMIT, outside any transaction, in the committing
thread (on SQLite still under the store's write lock): it must be quick and must not touch the
store. One that fails is logged and does not stop the others (the run's end stands, it is in
the database).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)
LISTENERS = "tickwork.run_listeners"  # Session.info: the Store's list of listeners
_PENDING = "tickwork.run_changes"  # Session.info: this transaction's changes
_MARKS = "tickwork.run_change_marks"  # Session.info: changes noted before each savepoint
_HOOKED = "tickwork.run_changes_hooked"  # Session.info: the events are listened to


@dataclass(frozen=True)
class RunChange:
    """A run that started (`status` running) or ended (any other status), as committed."""

    run_id: int
    schedule_id: str
    trigger: str
    status: str
    scheduled_for: datetime
    # None when the run ended without having run (cancelled or skipped while queued, failed
    # before its process could start, recorded ended at its fire).
    started_at: datetime | None
    finished_at: datetime | None = None  # None for a start

    @property
    def ran_for(self) -> float | None:
        """How long its process ran: None for a start, or for an end that never ran."""
        if self.started_at is None or self.finished_at is None:
            return None
        return max((self.finished_at - self.started_at).total_seconds(), 0.0)


RunListener = Callable[[Sequence[RunChange]], None]


def note(session: Session, change: RunChange) -> None:
    """Keep `change` for the listeners of `session`'s store, told after it commits. Nothing
    is kept on a session without listeners (one made outside a Store)."""
    if not session.info.get(LISTENERS):
        return
    if _PENDING not in session.info:
        session.info[_PENDING] = []
        session.info[_MARKS] = {}
        if not session.info.get(_HOOKED):
            session.info[_HOOKED] = True
            event.listen(session, "after_commit", _committed)
            event.listen(session, "after_transaction_create", _savepoint_begun)
            event.listen(session, "after_soft_rollback", _rolled_back)
    session.info[_PENDING].append(change)


def _committed(session: Session) -> None:
    # SQLAlchemy says after_commit for a savepoint released too: only the outer one counts.
    if session.in_nested_transaction():
        return
    changes: list[RunChange] = session.info.pop(_PENDING, [])
    session.info.pop(_MARKS, None)
    if not changes:
        return
    for listener in list(session.info.get(LISTENERS, ())):
        try:
            listener(changes)
        except Exception:
            log.exception("a run listener failed on %d run change(s)", len(changes))


def _savepoint_begun(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested and _PENDING in session.info:
        session.info[_MARKS][transaction] = len(session.info[_PENDING])


def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """What a rolled-back transaction noted never happened: all of it for the outer one, the
    notes since it began for a savepoint (one begun before the first note began at none).
    A flush's own inner transaction decides nothing: the one around it does."""
    pending: list[RunChange] | None = session.info.get(_PENDING)
    if pending is None:
        return
    if previous_transaction.nested:
        del pending[session.info[_MARKS].pop(previous_transaction, 0) :]
    elif previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_MARKS, None)
