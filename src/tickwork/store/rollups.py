"""The rollups: each run's end added to the hour and the day (UTC) of its schedule, of its
schedule's group and of everything (tables RollupRow and RollupDurationRow), and the sums
read back for statistics and reports.

Each scope is summed as runs end rather than at reading time: ten thousand schedules that
run hourly make 240,000 schedule-hours a day, and a whole-store chart of the last day must
not add those up on every request. A group's figures are the runs its schedules ended while
in it.

An end is an upsert that adds to counters (`SET failed = failed + 1`), never a read and a
write: two runs ending together in two transactions both count, on PostgreSQL as on SQLite.
The lifecycle calls `add_many` in the transaction of each end, so a run is counted once, when
it ends, or not at all. `rebuild` counts the stored history again (the migration that brought
rollups in, and the benchmark, start from runs without them).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, or_, select
from sqlalchemy.orm import Session

from tickwork import statistics
from tickwork.statistics import KEPT, Grain, Tally
from tickwork.store.tables import (
    ROLLUP_STATUSES,
    RollupDurationRow,
    RollupRow,
    RunRow,
    ScheduleRow,
)

GRAINS: tuple[Grain, ...] = ("hour", "day")
KINDS = ("schedule", "group", "all")
ALL = "all"
GROUP_PREFIX = "group:"


def schedule_scope(schedule_id: str) -> str:
    return f"schedule:{schedule_id}"


def group_scope(group: str | None) -> str:
    """A group's scope; "group:" is the schedules in no group."""
    return GROUP_PREFIX + (group or "")


def kind_of(scope: str) -> str:
    """ "schedule", "group" or "all"."""
    return scope.split(":", 1)[0]


@dataclass(frozen=True)
class Ended:
    """One run's end as the rollups count it. `duration` is None for a run that never ran
    (skipped, cancelled while queued, lost before it started)."""

    schedule_id: str
    status: str
    at: datetime
    duration: float | None = None
    cpu_seconds: float | None = None
    peak_memory_bytes: int | None = None


def add_many(session: Session, ends: Iterable[Ended], now: datetime | None = None) -> int:
    """Add ends: summed here first, then one upsert per scope, hour or day, and bucket, so
    counting a million runs writes each rollup row once. Rows go in key order, so that two
    transactions adding to the same rows take their locks in the same order. Given `now`,
    the hours and days pruning would drop at once are not written. Returns how many ends."""
    rows: dict[tuple[str, Grain, datetime], dict[str, Any]] = {}
    buckets: dict[tuple[str, Grain, datetime, int], int] = {}
    owners: dict[str, str | None] = {}
    oldest = {grain: now - statistics.KEPT[grain] for grain in GRAINS} if now else None
    groups = _Groups(session)
    counted = 0
    for ended in ends:
        if ended.status not in ROLLUP_STATUSES:
            raise ValueError(f"{ended.status} is not an end")
        counted += 1
        scopes = (
            schedule_scope(ended.schedule_id),
            group_scope(groups.of(ended.schedule_id)),
            ALL,
        )
        owners[scopes[0]] = ended.schedule_id
        for grain in GRAINS:
            start = statistics.truncate(ended.at, grain)
            if oldest is not None and start < oldest[grain]:
                continue
            values = _values(ended)
            for scope in scopes:
                key = (scope, grain, start)
                seen = rows.get(key)
                rows[key] = values if seen is None else _summed(seen, values)
                if ended.duration is not None:
                    slot = (scope, grain, start, statistics.bucket(ended.duration))
                    buckets[slot] = buckets.get(slot, 0) + 1
    dialect = _dialect(session)
    keyed = [
        {
            "scope": scope,
            "grain": grain,
            "start": start,
            "kind": kind_of(scope),
            "schedule_id": owners.get(scope),
        }
        | values
        for (scope, grain, start), values in sorted(rows.items(), key=lambda item: item[0])
    ]
    for chunk in _chunks(keyed, 2000):
        session.execute(_ROLLUP_UPSERT[dialect], chunk)
    counts = [
        {
            "scope": scope,
            "grain": grain,
            "start": start,
            "bucket": bucket,
            "kind": kind_of(scope),
            "schedule_id": owners.get(scope),
            "runs": runs,
        }
        for (scope, grain, start, bucket), runs in sorted(buckets.items())
    ]
    for chunk in _chunks(counts, 2000):
        session.execute(_DURATION_UPSERT[dialect], chunk)
    return counted


class _Groups:
    """Each schedule's group, read once per schedule per call."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[str, str | None] = {}

    def of(self, schedule_id: str) -> str | None:
        if schedule_id not in self.known:
            self.known[schedule_id] = self.session.scalar(
                select(ScheduleRow.group).where(ScheduleRow.id == schedule_id)
            )
        return self.known[schedule_id]


_ADDED = ROLLUP_STATUSES + ("timed_runs", "duration_seconds", "cpu_runs", "cpu_seconds")


def _values(ended: Ended) -> dict[str, Any]:
    # Every column given on every end: one statement shape, compiled once and cached.
    values: dict[str, Any] = {name: 0 for name in ROLLUP_STATUSES}
    values[ended.status] = 1
    timed = ended.duration is not None
    values.update(
        timed_runs=1 if timed else 0,
        duration_seconds=max(ended.duration or 0.0, 0.0),
        duration_max=max(ended.duration, 0.0) if ended.duration is not None else None,
        cpu_runs=1 if ended.cpu_seconds is not None else 0,
        cpu_seconds=ended.cpu_seconds or 0.0,
        peak_memory_bytes=ended.peak_memory_bytes,
    )
    return values


def _summed(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for name in _ADDED:
        out[name] = a[name] + b[name]
    for name in ("duration_max", "peak_memory_bytes"):
        values = [v for v in (a[name], b[name]) if v is not None]
        out[name] = max(values) if values else None
    return out


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
        sets: dict[str, Any] = {column: table.c[column] + new[column] for column in _ADDED}
        sets["duration_max"] = _greater(table.c.duration_max, new.duration_max)
        sets["peak_memory_bytes"] = _greater(table.c.peak_memory_bytes, new.peak_memory_bytes)
        rollups[name] = statement.on_conflict_do_update(
            index_elements=[table.c.scope, table.c.grain, table.c.start], set_=sets
        )
        buckets: Any = RollupDurationRow.__table__
        statement = insert(buckets)
        durations[name] = statement.on_conflict_do_update(
            index_elements=[buckets.c.scope, buckets.c.grain, buckets.c.start, buckets.c.bucket],
            set_={"runs": buckets.c.runs + statement.excluded.runs},
        )
    return rollups, durations


_ROLLUP_UPSERT, _DURATION_UPSERT = _upserts()


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _chunks(items: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- reading -----------------------------------------------------------------------------


def tallies(
    session: Session,
    grain: Grain,
    since: datetime,
    scopes: Sequence[str] | None = None,
    *,
    kind: str | None = None,
    until: datetime | None = None,
    per_start: bool = True,
) -> dict[tuple[str, datetime | None], Tally]:
    """The sums of `grain` rollups from `since` on (to before `until`), keyed by (scope,
    start): of `scopes`, or of every scope of a `kind` ("schedule", "group", "all");
    `per_start=False` adds each scope's starts together (key start None)."""
    out: dict[tuple[str, datetime | None], Tally] = {}
    for table in (RollupRow, RollupDurationRow):
        columns = [table.scope, *([table.start] if per_start else [])]
        measures: list[Any]
        if table is RollupRow:
            measures = [func.sum(getattr(table, name)).label(name) for name in _ADDED]
            measures += [
                func.max(RollupRow.duration_max).label("duration_max"),
                func.max(RollupRow.peak_memory_bytes).label("peak_memory_bytes"),
            ]
            grouping = columns
        else:
            measures = [RollupDurationRow.bucket, func.sum(RollupDurationRow.runs).label("runs")]
            grouping = [*columns, RollupDurationRow.bucket]
        query = select(*columns, *measures).where(table.grain == grain, table.start >= since)
        if scopes is not None:
            query = query.where(table.scope.in_(list(scopes)))
        if kind is not None:
            query = query.where(table.kind == kind)
        if until is not None:
            query = query.where(table.start < until)
        for row in session.execute(query.group_by(*grouping)):
            tally = out.setdefault((row.scope, row.start if per_start else None), Tally())
            if table is RollupRow:
                _fill(tally, row)
            else:
                tally.durations[int(row.bucket)] = int(row.runs)
    return out


def _fill(tally: Tally, row: Any) -> None:
    tally.counts.update({name: int(getattr(row, name) or 0) for name in ROLLUP_STATUSES})
    tally.timed_runs = int(row.timed_runs or 0)
    tally.duration_seconds = float(row.duration_seconds or 0.0)
    tally.cpu_runs = int(row.cpu_runs or 0)
    tally.cpu_seconds = float(row.cpu_seconds or 0.0)
    tally.duration_max = row.duration_max
    tally.peak_memory_bytes = row.peak_memory_bytes


# -- keeping -----------------------------------------------------------------------------


def prune(session: Session, now: datetime) -> int:
    """Delete the rollups no window reads any more; how many rows went."""
    gone = 0
    for table in (RollupRow, RollupDurationRow):
        # By kind too: each condition is one range of the (kind, grain, start) index.
        conditions = [
            (table.kind == kind) & (table.grain == grain) & (table.start < now - KEPT[grain])
            for kind in KINDS
            for grain in GRAINS
        ]
        result = session.execute(
            delete(table).where(or_(*conditions)).execution_options(synchronize_session=False)
        )
        gone += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return gone


def rebuild(session: Session, now: datetime) -> int:
    """Count the stored history again, from the runs the windows still read: the rollups are
    cleared and every ended run in them added, to the group its schedule is in now. Returns
    how many runs were counted."""
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
    return add_many(session, (_ended(row) for row in session.execute(query)), now=now)


def _ended(row: Any) -> Ended:
    # As the lifecycle counts them: a failure whose start is its end never ran (a fail
    # before the start takes its end as its start), nor did a run skipped or lost unstarted.
    ran = (
        row.started_at is not None
        and row.status != "skipped"
        and not (row.status == "failed" and row.started_at == row.finished_at)
    )
    return Ended(
        schedule_id=row.schedule_id,
        status=row.status,
        at=row.finished_at,
        duration=row.duration_seconds if ran else None,
        cpu_seconds=row.cpu_seconds,
        peak_memory_bytes=row.peak_memory_bytes,
    )
