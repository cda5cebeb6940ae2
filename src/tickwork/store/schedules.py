"""Queries on the schedules table; every one is indexed or paged, none scans the history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tickwork.store.tables import ScheduleRow


@dataclass(frozen=True)
class ScheduleFilter:
    q: str | None = None
    enabled: bool | None = None
    workflow_type: str | None = None
    last_status: str | None = None


def get(session: Session, schedule_id: str) -> ScheduleRow | None:
    return session.get(ScheduleRow, schedule_id)


def page(
    session: Session, where: ScheduleFilter, offset: int, limit: int
) -> tuple[Sequence[ScheduleRow], int]:
    query = select(ScheduleRow)
    if where.q:
        pattern = f"%{_escape_like(where.q.lower())}%"
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (
                        ScheduleRow.name,
                        ScheduleRow.description,
                        ScheduleRow.workflow_type,
                        ScheduleRow.cron_schedule,
                    )
                )
            )
        )
    if where.enabled is not None:
        query = query.where(ScheduleRow.enabled == where.enabled)
    if where.workflow_type:
        query = query.where(ScheduleRow.workflow_type == where.workflow_type)
    if where.last_status:
        query = query.where(ScheduleRow.last_status == where.last_status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(func.lower(ScheduleRow.name), ScheduleRow.id).offset(offset).limit(limit)
    ).all()
    return rows, total


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Brief(NamedTuple):
    """The columns that forecasts and warnings read of every schedule: no JSON, no text."""

    id: str
    name: str
    enabled: bool
    workflow_type: str
    cron_schedule: str
    timezone: str
    timeout_seconds: int
    concurrency_policy: str


def briefs(session: Session) -> list[Brief]:
    """Every schedule, narrow: 10,000 of these load in milliseconds, ORM rows took a second."""
    rows = session.execute(
        select(
            ScheduleRow.id,
            ScheduleRow.name,
            ScheduleRow.enabled,
            ScheduleRow.workflow_type,
            ScheduleRow.cron_schedule,
            ScheduleRow.timezone,
            ScheduleRow.timeout_seconds,
            ScheduleRow.concurrency_policy,
        )
    ).all()
    return [Brief(*row) for row in rows]


def fingerprint(session: Session) -> tuple[int, int, datetime | None]:
    """What moves whenever a schedule is added, removed, switched or changed (every change
    sets updated_at): whatever is derived from all schedules is rebuilt when it moves."""
    total, active, newest = session.execute(
        select(
            func.count(),
            func.count().filter(ScheduleRow.enabled.is_(True)),
            func.max(ScheduleRow.updated_at),
        )
    ).one()
    return int(total), int(active or 0), newest


def enabled(session: Session) -> Sequence[ScheduleRow]:
    return session.scalars(select(ScheduleRow).where(ScheduleRow.enabled.is_(True))).all()


def by_ids(session: Session, ids: list[str]) -> Sequence[ScheduleRow]:
    return session.scalars(select(ScheduleRow).where(ScheduleRow.id.in_(ids))).all() if ids else []


def all_rows(session: Session) -> Sequence[ScheduleRow]:
    return session.scalars(select(ScheduleRow).order_by(ScheduleRow.created_at)).all()


def counts(session: Session) -> tuple[int, int]:
    total, active = session.execute(
        select(func.count(), func.count().filter(ScheduleRow.enabled.is_(True)))
    ).one()
    return int(total), int(active or 0)
