"""Health transitions as notifications: a schedule that becomes `stuck` or `missed` tells its
channels, in the transaction that writes the transition (so the message commits with it).

`failed`, `timeout`, `recovered` and `retries_exhausted` come from the runs' ends
(store.lifecycle.announce); `late` and `failing` have no event of their own: a failing
schedule's channels hear of each failed run already.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickwork.health import Health, HealthChange
from tickwork.store import outbox
from tickwork.store.tables import ScheduleRow

# The health states that are notification events, by the same name.
ANNOUNCED = (Health.STUCK, Health.MISSED)


def announce(session: Session, change: HealthChange) -> None:
    """A HealthListener: the transition's event into the outbox, for whoever hears of it."""
    if change.state not in ANNOUNCED or change.state == change.previous:
        return
    if not outbox.channels(session):
        return  # nobody listens: no read at all
    row = session.execute(
        select(ScheduleRow.name, ScheduleRow.notify).where(ScheduleRow.id == change.schedule_id)
    ).first()
    if row is None:
        return
    detail = {
        "schedule_name": row.name,
        "status": change.state.value,
        "message": change.reason or f"the schedule is {change.state.value}",
    }
    outbox.enqueue(
        session,
        change.schedule_id,
        change.state.value,
        change.run_id,
        change.since,
        detail,
        notify=row.notify,
    )
