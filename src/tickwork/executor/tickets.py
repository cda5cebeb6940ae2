"""Tickets from stored rows: a queued run with what starting it needs, read once.

The dispatcher builds tickets from the rows it has just written; follow-ups (retries, chained
runs) and queued runs adopted after a restart are read here, in one query for many runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickwork.executor.admission import Ticket
from tickwork.store.lifecycle import RunStatus
from tickwork.store.tables import RunRow, ScheduleRow


def ticket(run: RunRow, schedule: ScheduleRow) -> Ticket:
    """The ticket of a stored queued run."""
    return ticket_for(
        schedule,
        run_id=run.id,
        command=run.command,
        priority=run.priority,
        scheduled_for=run.scheduled_for,
        queued_at=run.queued_at,
        not_before=run.not_before,
        armed=run.trigger == "schedule" and run.not_before is not None,
    )


def ticket_for(
    schedule: ScheduleRow,
    *,
    run_id: int,
    command: list[str],
    priority: int,
    scheduled_for: datetime,
    queued_at: datetime,
    not_before: datetime | None,
    armed: bool = False,
) -> Ticket:
    """A ticket from the run's own fields and what its schedule says about starting it: one
    place for both a run just written (the dispatcher) and one read back."""
    return Ticket(
        run_id=run_id,
        schedule_id=schedule.id,
        command=list(command),
        workflow_type=schedule.workflow_type,
        timeout_seconds=float(schedule.timeout_seconds),
        priority=priority,
        scheduled_for=scheduled_for,
        queued_at=queued_at,
        not_before=not_before,
        concurrency_policy=schedule.concurrency_policy,
        starting_deadline_seconds=schedule.starting_deadline_seconds,
        armed=armed,
    )


def load(session: Session, run_ids: Iterable[int]) -> list[Ticket]:
    """Tickets of those of `run_ids` that are still queued, in id order."""
    ids = sorted(set(run_ids))
    if not ids:
        return []
    rows = session.execute(
        select(RunRow, ScheduleRow)
        .join(ScheduleRow, ScheduleRow.id == RunRow.schedule_id)
        .where(RunRow.id.in_(ids), RunRow.status == RunStatus.QUEUED.value)
        .order_by(RunRow.id)
    ).all()
    return [ticket(run, schedule) for run, schedule in rows]
