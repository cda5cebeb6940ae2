"""The rollups: each run's end added to its schedule's hour and day (tables RollupRow and
RollupDurationRow), and the sums read back for statistics and reports.

An end is an upsert that adds to counters (`SET failed = failed + 1`), never a read and a
write: two runs of one schedule ending together in two transactions both count, on
PostgreSQL as on SQLite. The lifecycle calls `record` in the transaction of each end, so a
run is counted once, when it ends, or not at all. `rebuild` counts the stored history again
(the migration that brought rollups in, and the benchmark, start from runs without them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.orm import Session

from tickwork import statistics
from tickwork.statistics import Grain, Tally
from tickwork.store.tables import (
    ROLLUP_STATUSES,
    RollupDurationRow,
    RollupRow,
    RunRow,
    ScheduleRow,
)

GRAINS: tuple[Grain, ...] = ("hour", "day")


@dataclass(frozen=True)
class Ended:
    """One run's end as the rollups count it. `duration` is None for a run that never ran
    (skipped, cancelled while queued, failed before it could start)."""

    schedule_id: str
    status: str
    at: datetime
    duration: float | None = None
    cpu_seconds: float | None = None
    peak_memory_bytes: int | None = None


def record(session: Session, ended: Ended) -> None:
    """Add `ended` to its schedule's hour and day, in the caller's transaction."""
    if ended.status not in ROLLUP_STATUSES:
        raise ValueError(f"{ended.status} is not an end")
    for grain in GRAINS:
        start = statistics.truncate(ended.at, grain)
        session.execute(_ROLLUP_UPSERT[_dialect(session)], _rollup_values(ended, grain, start))
        if ended.duration is not None:
            session.execute(
                _DURATION_UPSERT[_dialect(session)],
                {
                    "schedule_id": ended.schedule_id,
                    "grain": grain,
                    "start": start,
                    "bucket": statistics.bucket(ended.duration),
                    "runs": 1,
                },
            )


def _rollup_values(ended: Ended, grain: Grain, start: datetime) -> dict[str, Any]:
    # Every column given on every end: one statement shape, compiled once and cached.
    values: dict[str, Any] = {name: 0 for name in ROLLUP_STATUSES}
    values[ended.status] = 1
    timed = ended.duration is not None
    has_cpu = ended.cpu_seconds is not None
    values.update(
        schedule_id=ended.schedule_id,
        grain=grain,
        start=start,
        timed_runs=1 if timed else 0,
        duration_seconds=max(ended.duration or 0.0, 0.0),
        duration_max=max(ended.duration, 0.0) if ended.duration is not None else None,
        cpu_runs=1 if has_cpu else 0,
        cpu_seconds=ended.cpu_seconds or 0.0,
        peak_memory_bytes=ended.peak_memory_bytes,
    )
    return values


def _greater(current: Any, new: Any) -> Any:
    """The larger of two nullable columns, in SQL both databases speak (no GREATEST in
    SQLite, and a two-argument max() in PostgreSQL is an aggregate)."""
    return case(
        (new.is_(None), current), (current.is_(None), new), (new > current, new), else_=current
    )


def _upserts() -> tuple[dict[str, Any], dict[str, Any]]:
    from sqlalchemy.dialects import postgresql, sqlite

    rollups: dict[str, Any] = {}
    durations: dict[str, Any] = {}
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert)):
        table: Any = RollupRow.__table__
        statement = insert(table)
        new = statement.excluded
        adds = ROLLUP_STATUSES + ("timed_runs", "duration_seconds", "cpu_runs", "cpu_seconds")
        sets: dict[str, Any] = {column: table.c[column] + new[column] for column in adds}
        sets["duration_max"] = _greater(table.c.duration_max, new.duration_max)
        sets["peak_memory_bytes"] = _greater(table.c.peak_memory_bytes, new.peak_memory_bytes)
        rollups[name] = statement.on_conflict_do_update(
            index_elements=[table.c.schedule_id, table.c.grain, table.c.start], set_=sets
        )
        buckets: Any = RollupDurationRow.__table__
        statement = insert(buckets)
        durations[name] = statement.on_conflict_do_update(
            index_elements=[
                buckets.c.schedule_id,
                buckets.c.grain,
                buckets.c.start,
                buckets.c.bucket,
            ],
            set_={"runs": buckets.c.runs + statement.excluded.runs},
        )
    return rollups, durations


_ROLLUP_UPSERT, _DURATION_UPSERT = _upserts()


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# -- reading -----------------------------------------------------------------------------

Key = str | None  # a schedule id, a group name, or None (no group / everything)


def tallies(
    session: Session,
    grain: Grain,
    since: datetime,
    *,
    by: str,
    schedule_ids: Sequence[str] | None = None,
    per_start: bool = True,
) -> dict[tuple[Key, datetime | None], Tally]:
    """The sums of `grain` rollups from `since` on, keyed by (schedule id or group, start):
    `by` is "schedule", "group" or "all"; `schedule_ids` narrows to those schedules;
    `per_start=False` adds the starts together (key start None)."""
    out: dict[tuple[Key, datetime | None], Tally] = {}
    columns = _columns(by, RollupRow, per_start)
    sums = [func.sum(getattr(RollupRow, name)).label(name) for name in _SUMMED]
    query = select(*columns, *sums, *_MAXIMA).where(
        RollupRow.grain == grain, RollupRow.start >= since
    )
    query = _narrowed(query, by, RollupRow, schedule_ids)
    if columns:
        query = query.group_by(*columns)
    for row in session.execute(query):
        if not row.cpu_runs and not any(getattr(row, name) for name in ROLLUP_STATUSES):
            continue  # "all" over nothing: one row of NULL sums
        tally = out.setdefault(_slot(row, by, per_start), Tally())
        tally.counts.update({name: int(getattr(row, name) or 0) for name in ROLLUP_STATUSES})
        tally.timed_runs = int(row.timed_runs or 0)
        tally.duration_seconds = float(row.duration_seconds or 0.0)
        tally.cpu_runs = int(row.cpu_runs or 0)
        tally.cpu_seconds = float(row.cpu_seconds or 0.0)
        tally.duration_max = row.duration_max
        tally.peak_memory_bytes = row.peak_memory_bytes
    _add_durations(session, out, grain, since, by, schedule_ids, per_start)
    return out


_SUMMED = ROLLUP_STATUSES + ("timed_runs", "duration_seconds", "cpu_runs", "cpu_seconds")
_MAXIMA = (
    func.max(RollupRow.duration_max).label("duration_max"),
    func.max(RollupRow.peak_memory_bytes).label("peak_memory_bytes"),
)


def _add_durations(
    session: Session,
    out: dict[tuple[Key, datetime | None], Tally],
    grain: Grain,
    since: datetime,
    by: str,
    schedule_ids: Sequence[str] | None,
    per_start: bool,
) -> None:
    table = RollupDurationRow
    columns = _columns(by, table, per_start)
    query = select(*columns, table.bucket, func.sum(table.runs).label("runs")).where(
        table.grain == grain, table.start >= since
    )
    query = _narrowed(query, by, table, schedule_ids).group_by(*columns, table.bucket)
    for row in session.execute(query):
        tally = out.setdefault(_slot(row, by, per_start), Tally())
        tally.durations[int(row.bucket)] = int(row.runs)


def _columns(
    by: str, table: type[RollupRow] | type[RollupDurationRow], per_start: bool
) -> list[Any]:
    """What the sums are grouped by: the key (none for "all") and the start."""
    keys: dict[str, list[Any]] = {
        "schedule": [table.schedule_id],
        "group": [ScheduleRow.group],
        "all": [],
    }
    if by not in keys:
        raise ValueError(f"no rollup key {by}")
    columns = [column.label("key") for column in keys[by]]
    return columns + ([table.start.label("start")] if per_start else [])


def _slot(row: Any, by: str, per_start: bool) -> tuple[Key, datetime | None]:
    return (row.key if by != "all" else None, row.start if per_start else None)


def _narrowed(
    query: Any,
    by: str,
    table: type[RollupRow] | type[RollupDurationRow],
    schedule_ids: Sequence[str] | None,
) -> Any:
    if by == "group":
        query = query.join(ScheduleRow, ScheduleRow.id == table.schedule_id)
    if schedule_ids is not None:
        query = query.where(table.schedule_id.in_(list(schedule_ids)))
    return query


# -- keeping -----------------------------------------------------------------------------


def prune(session: Session, now: datetime) -> int:
    """Delete the rollups no window reads any more; how many rows went."""
    gone = 0
    for table in (RollupRow, RollupDurationRow):
        conditions = [
            (table.grain == grain) & (table.start < now - statistics.KEPT[grain])
            for grain in GRAINS
        ]
        result = session.execute(
            delete(table).where(or_(*conditions)).execution_options(synchronize_session=False)
        )
        gone += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return gone


def rebuild(session: Session, now: datetime) -> int:
    """Count the stored history again, from the runs the windows still read: the rollups are
    cleared and every ended run in them added. Returns how many runs were counted."""
    session.execute(delete(RollupDurationRow))
    session.execute(delete(RollupRow))
    since = now - statistics.KEPT["day"]
    query = (
        select(
            RunRow.schedule_id,
            RunRow.status,
            RunRow.finished_at,
            RunRow.started_at,
            RunRow.duration_seconds,
            RunRow.cpu_seconds,
            RunRow.peak_memory_bytes,
        )
        .where(RunRow.finished_at >= since, RunRow.status.in_(ROLLUP_STATUSES))
        .execution_options(yield_per=5000)
    )
    return add_many(session, (_ended(row) for row in session.execute(query)))


def _ended(row: Any) -> Ended:
    ran = row.started_at is not None and row.status != "skipped"
    return Ended(
        schedule_id=row.schedule_id,
        status=row.status,
        at=row.finished_at,
        duration=row.duration_seconds if ran else None,
        cpu_seconds=row.cpu_seconds,
        peak_memory_bytes=row.peak_memory_bytes,
    )


def add_many(session: Session, ends: Iterable[Ended]) -> int:
    """Add many ends at once: summed here first, then one upsert per hour, day and bucket,
    so counting a million runs writes each rollup row once."""
    rollups: dict[tuple[str, Grain, datetime], dict[str, Any]] = {}
    buckets: dict[tuple[str, Grain, datetime, int], int] = {}
    counted = 0
    for ended in ends:
        counted += 1
        for grain in GRAINS:
            start = statistics.truncate(ended.at, grain)
            values = _rollup_values(ended, grain, start)
            key = (ended.schedule_id, grain, start)
            seen = rollups.get(key)
            rollups[key] = values if seen is None else _summed(seen, values)
            if ended.duration is not None:
                slot = (ended.schedule_id, grain, start, statistics.bucket(ended.duration))
                buckets[slot] = buckets.get(slot, 0) + 1
    dialect = _dialect(session)
    for chunk in _chunks(list(rollups.values()), 2000):
        session.execute(_ROLLUP_UPSERT[dialect], chunk)
    rows = [
        {"schedule_id": s, "grain": g, "start": t, "bucket": b, "runs": n}
        for (s, g, t, b), n in buckets.items()
    ]
    for chunk in _chunks(rows, 2000):
        session.execute(_DURATION_UPSERT[dialect], chunk)
    return counted


def _summed(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for name in _SUMMED:
        out[name] = a[name] + b[name]
    for name in ("duration_max", "peak_memory_bytes"):
        values = [v for v in (a[name], b[name]) if v is not None]
        out[name] = max(values) if values else None
    return out


def _chunks(items: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
