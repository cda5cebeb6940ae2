"""Reads of the runs table: history pages, lists, counts. Every write is in lifecycle.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from tickwork.store.lifecycle import ACTIVE, FAILURES, RunStatus, statuses
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


# Schedules per query: a bound list of ids each.
CHUNK = 500


def latest_for(
    session: Session, schedule_ids: Iterable[str], per_schedule: int
) -> dict[str, list[RunRow]]:
    """The newest `per_schedule` runs of each schedule, in one query: a LIMIT per schedule on
    ix_runs_schedule_id_id, so its cost follows the page, not the length of the histories (a
    window over every run of fifty schedules took five times as long at 100 runs each)."""
    ids = list(dict.fromkeys(schedule_ids))
    grouped: dict[str, list[RunRow]] = {i: [] for i in ids}
    for part in _parts(ids):
        query = (
            select(RunRow)
            .select_from(ScheduleRow)
            .join(RunRow, RunRow.id.in_(_newest_ids_of_each(per_schedule)))
            .where(ScheduleRow.id.in_(part))
            .order_by(RunRow.id.desc())
        )
        for row in session.scalars(query):
            grouped[row.schedule_id].append(row)
    return grouped


def _parts(ids: list[str]) -> Iterator[list[str]]:
    for begin in range(0, len(ids), CHUNK):
        yield ids[begin : begin + CHUNK]


def _newest_ids_of_each(limit: int, ended: bool = False) -> Select[int]:
    """The ids of the newest `limit` runs of the schedule in the outer query (those with a
    duration if `ended`): one index walk per schedule, correlated, in both databases."""
    other = aliased(RunRow)
    query = select(other.id).where(other.schedule_id == ScheduleRow.id)
    if ended:
        query = query.where(other.duration_seconds.is_not(None))
    return query.order_by(other.id.desc()).limit(limit).correlate(ScheduleRow)


def with_status(session: Session, statuses: Iterable[str], limit: int) -> Sequence[RunRow]:
    """The newest `limit` runs in any of `statuses`. One (status, id) index walk per status,
    newest first, merged here: `status IN (...) ORDER BY id DESC` made the database sort every
    failed run of a big history to keep ten."""
    wanted = list(statuses)
    if len(wanted) == 1:
        return _newest(session, wanted[0], limit)
    ids = sorted(
        (i for status in wanted for i in _newest_ids(session, status, limit)), reverse=True
    )[:limit]
    if not ids:
        return []
    return session.scalars(
        select(RunRow).where(RunRow.id.in_(ids)).order_by(RunRow.id.desc())
    ).all()


def _newest(session: Session, status: str, limit: int) -> Sequence[RunRow]:
    return session.scalars(
        select(RunRow).where(RunRow.status == status).order_by(RunRow.id.desc()).limit(limit)
    ).all()


def _newest_ids(session: Session, status: str, limit: int) -> Sequence[int]:
    return session.scalars(
        select(RunRow.id).where(RunRow.status == status).order_by(RunRow.id.desc()).limit(limit)
    ).all()


def recent_durations(
    session: Session, schedule_ids: Iterable[str], per_schedule: int
) -> dict[str, list[float]]:
    """The durations of each schedule's newest `per_schedule` ended runs (the ones that have
    one), a LIMIT per schedule. A window over the whole table instead (every schedule's, for
    the slot forecast) took 38 s at 1,000,000 runs."""
    found: dict[str, list[float]] = {}
    for part in _parts(list(dict.fromkeys(schedule_ids))):
        query = (
            select(RunRow.schedule_id, RunRow.duration_seconds)
            .select_from(ScheduleRow)
            .join(RunRow, RunRow.id.in_(_newest_ids_of_each(per_schedule, ended=True)))
            .where(ScheduleRow.id.in_(part))
        )
        found |= _grouped(session.execute(query).all())
    return found


def _grouped(rows: Iterable[Any]) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    for row in rows:
        found.setdefault(str(row[0]), []).append(float(row[1]))
    return found


def counts_since(
    session: Session, since: datetime, until: datetime | None = None
) -> dict[str, int]:
    """Runs per status that ended since `since` (and before `until`): one range per status
    in ix_runs_status_finished_at, read from the index alone. A GROUP BY made SQLite walk the
    whole table in status order instead."""
    counts = {}
    for status in RunStatus:
        query = (
            select(func.count())
            .select_from(RunRow)
            .where(RunRow.status == status.value, RunRow.finished_at >= since)
        )
        if until is not None:
            query = query.where(RunRow.finished_at < until)
        if n := session.scalar(query):
            counts[status.value] = int(n)
    return counts


def counts_between(session: Session, begin: datetime, end: datetime | None) -> Counter[str]:
    """Runs per status that ended in [begin, end) (`end` None: from `begin` on). For short
    stretches, a few minutes' runs: read by ix_runs_finished_at and counted here."""
    query = select(RunRow.status).where(RunRow.finished_at >= begin)
    if end is not None:
        query = query.where(RunRow.finished_at < end)
    return Counter(session.scalars(query).all())


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
