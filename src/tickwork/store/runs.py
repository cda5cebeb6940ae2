"""Reads of the runs table: history pages, lists, counts. Every write is in lifecycle.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tickwork.store.lifecycle import ACTIVE, FAILURES, statuses
from tickwork.store.tables import RunRow, ScheduleRow

FAILED_STATUSES = tuple(statuses(FAILURES))
ACTIVE_STATUSES = tuple(statuses(ACTIVE))


def get(session: Session, run_id: int) -> RunRow | None:
    return session.get(RunRow, run_id)


def active_for(session: Session, schedule_id: str) -> Sequence[RunRow]:
    return session.scalars(
        select(RunRow)
        .where(RunRow.schedule_id == schedule_id, RunRow.status.in_(ACTIVE_STATUSES))
        .order_by(RunRow.id)
    ).all()


def page_for(
    session: Session, schedule_id: str, status: str | None, offset: int, limit: int
) -> tuple[Sequence[RunRow], int]:
    query = select(RunRow).where(RunRow.schedule_id == schedule_id)
    if status:
        query = query.where(RunRow.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(RunRow.id.desc()).offset(offset).limit(limit)).all()
    return rows, total


@dataclass(frozen=True)
class RunFilter:
    status: str | None = None
    trigger: str | None = None
    schedule_id: str | None = None


def page_all(
    session: Session, where: RunFilter, offset: int, limit: int
) -> tuple[Sequence[RunRow], int]:
    """Runs of every schedule, newest first. Each filter has an (x, id) index that also
    serves the order: ix_runs_status_id, ix_runs_trigger_id, ix_runs_schedule_id_id."""
    query = select(RunRow)
    if where.status:
        query = query.where(RunRow.status == where.status)
    if where.trigger:
        query = query.where(RunRow.trigger == where.trigger)
    if where.schedule_id:
        query = query.where(RunRow.schedule_id == where.schedule_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(RunRow.id.desc()).offset(offset).limit(limit)).all()
    return rows, total


def latest_for(
    session: Session, schedule_ids: Iterable[str], per_schedule: int
) -> dict[str, list[RunRow]]:
    """The newest `per_schedule` runs of each schedule, in one indexed query."""
    ids = list(schedule_ids)
    if not ids:
        return {}
    ranked = (
        select(
            RunRow.id,
            func.row_number()
            .over(partition_by=RunRow.schedule_id, order_by=RunRow.id.desc())
            .label("rank"),
        )
        .where(RunRow.schedule_id.in_(ids))
        .subquery()
    )
    rows = session.scalars(
        select(RunRow)
        .join(ranked, ranked.c.id == RunRow.id)
        .where(ranked.c.rank <= per_schedule)
        .order_by(RunRow.id.desc())
    ).all()
    grouped: dict[str, list[RunRow]] = {i: [] for i in ids}
    for row in rows:
        grouped[row.schedule_id].append(row)
    return grouped


def with_status(session: Session, statuses: Iterable[str], limit: int) -> Sequence[RunRow]:
    return session.scalars(
        select(RunRow)
        .where(RunRow.status.in_(list(statuses)))
        .order_by(RunRow.id.desc())
        .limit(limit)
    ).all()


def counts_since(session: Session, since: datetime) -> dict[str, int]:
    rows = session.execute(
        select(RunRow.status, func.count())
        .where(RunRow.finished_at >= since)
        .group_by(RunRow.status)
    ).all()
    return {status: int(n) for status, n in rows}


def schedule_names(session: Session, schedule_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    ids = list(set(schedule_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(ScheduleRow.id, ScheduleRow.name, ScheduleRow.timezone).where(
            ScheduleRow.id.in_(ids)
        )
    ).all()
    return {i: (name, tz) for i, name, tz in rows}
