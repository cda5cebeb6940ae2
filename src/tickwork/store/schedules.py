"""Queries on the schedules table; every one is indexed or paged, none scans the history."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    Text,
    case,
    cast,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from tickwork.store.tables import DependencyRow, ScheduleRow


@dataclass(frozen=True)
class ScheduleFilter:
    q: str | None = None
    enabled: bool | None = None
    workflow_type: str | None = None
    last_status: str | None = None
    group: str | None = None  # "" for the schedules without a group
    tags: tuple[str, ...] = ()  # every one of them


# The sorts done here, by key: each a column whose missing values sort last both ways.
SQL_SORTS = ("name", "group", "last_run")


def get(session: Session, schedule_id: str) -> ScheduleRow | None:
    return session.get(ScheduleRow, schedule_id)


def page(
    session: Session, where: ScheduleFilter, offset: int, limit: int, sort: str = "name"
) -> tuple[Sequence[ScheduleRow], int]:
    """One page of the schedules `where` matches, sorted by `sort` (a key of SQL_SORTS, a
    `-` before it for descending), and how many match in all."""
    query = select(ScheduleRow).where(*_conditions(session, where))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(*_order(sort)).offset(offset).limit(limit)).all()
    return rows, total


def matching(session: Session, where: ScheduleFilter) -> list[Brief]:
    """Every schedule `where` matches, narrow, by name: for a sort done outside SQL."""
    rows = session.execute(
        select(*BRIEF_COLUMNS).where(*_conditions(session, where)).order_by(*_order("name"))
    ).all()
    return [Brief(*row) for row in rows]


def matching_ids(session: Session, where: ScheduleFilter) -> list[str]:
    """The ids of every schedule `where` matches, by name (a bulk action's targets)."""
    query = select(ScheduleRow.id).where(*_conditions(session, where))
    return list(session.scalars(query.order_by(*_order("name"))).all())


def _conditions(session: Session, where: ScheduleFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if where.q:
        pattern = f"%{_escape_like(where.q.lower())}%"
        found.append(
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
        found.append(ScheduleRow.enabled == where.enabled)
    if where.workflow_type:
        found.append(ScheduleRow.workflow_type == where.workflow_type)
    if where.last_status:
        found.append(ScheduleRow.last_status == where.last_status)
    if where.group == "":
        found.append(ScheduleRow.group.is_(None))
    elif where.group is not None:
        found.append(ScheduleRow.group == where.group)
    found += [_has_tag(session, tag) for tag in where.tags]
    return found


def _has_tag(session: Session, tag: str) -> ColumnElement[bool]:
    """Whether the schedule's tags hold `tag`, exactly (case too), on both databases.

    A tag holds no quote or backslash (schemas.TAG_PATTERN), so `"tag"` appears in the list's
    JSON text exactly when the tag is in the list, and nowhere else. LIKE would not do: it
    ignores case on SQLite and not on PostgreSQL; instr and strpos compare bytes on both.
    """
    text = cast(ScheduleRow.tags, Text)
    quoted = json.dumps(tag)
    if session.get_bind().dialect.name == "postgresql":
        return func.strpos(text, quoted) > 0
    return func.instr(text, quoted) > 0


def _order(sort: str) -> list[SQLColumnExpression[Any]]:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    name = func.lower(ScheduleRow.name)
    if key == "name":
        return [name.desc(), ScheduleRow.id.desc()] if descending else [name, ScheduleRow.id]
    column: SQLColumnExpression[Any] = {
        "group": func.lower(ScheduleRow.group),
        "last_run": ScheduleRow.last_run,
    }[key]
    # The missing ones last, either way: written out, since SQLite and PostgreSQL put NULL at
    # opposite ends by default.
    missing = case((column.is_(None), 1), else_=0)
    return [missing, column.desc() if descending else column, name, ScheduleRow.id]


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


BRIEF_COLUMNS = (
    ScheduleRow.id,
    ScheduleRow.name,
    ScheduleRow.enabled,
    ScheduleRow.workflow_type,
    ScheduleRow.cron_schedule,
    ScheduleRow.timezone,
    ScheduleRow.timeout_seconds,
    ScheduleRow.concurrency_policy,
)


def briefs(session: Session) -> list[Brief]:
    """Every schedule, narrow: 10,000 of these load in milliseconds, ORM rows took a second."""
    rows = session.execute(select(*BRIEF_COLUMNS)).all()
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


# -- dependencies: schedule_id runs after upstream_id ----------------------------------------


@dataclass(frozen=True)
class Link:
    """One dependency, with the names of both ends for people."""

    schedule_id: str
    schedule_name: str
    upstream_id: str
    upstream_name: str
    on: str
    position: int


def links(session: Session, ids: Sequence[str]) -> list[Link]:
    """Every dependency that touches one of `ids`, either way: one query for a page."""
    if not ids:
        return []
    down, up = aliased(ScheduleRow), aliased(ScheduleRow)
    rows = session.execute(
        select(
            DependencyRow.schedule_id,
            down.name,
            DependencyRow.upstream_id,
            up.name,
            DependencyRow.on,
            DependencyRow.position,
        )
        .join(down, down.id == DependencyRow.schedule_id)
        .join(up, up.id == DependencyRow.upstream_id)
        .where(or_(DependencyRow.schedule_id.in_(ids), DependencyRow.upstream_id.in_(ids)))
        .order_by(DependencyRow.position, DependencyRow.schedule_id)
    ).all()
    return [Link(*row) for row in rows]


def all_dependencies(session: Session) -> dict[str, list[tuple[str, str]]]:
    """Every schedule's list, schedule id -> [(upstream id, on)] in order."""
    graph: dict[str, list[tuple[str, str]]] = {}
    rows = session.execute(
        select(DependencyRow.schedule_id, DependencyRow.upstream_id, DependencyRow.on).order_by(
            DependencyRow.schedule_id, DependencyRow.position
        )
    ).all()
    for schedule_id, upstream_id, on in rows:
        graph.setdefault(schedule_id, []).append((upstream_id, on))
    return graph


def edges(session: Session) -> dict[str, list[str]]:
    """The whole graph, schedule id -> the ids it depends on, for the cycle check."""
    return {
        schedule_id: [upstream for upstream, _ in deps]
        for schedule_id, deps in all_dependencies(session).items()
    }


def set_dependencies(session: Session, schedule_id: str, deps: Sequence[tuple[str, str]]) -> None:
    """Replace what `schedule_id` depends on with `deps`, (upstream id, on) in order."""
    session.execute(delete(DependencyRow).where(DependencyRow.schedule_id == schedule_id))
    session.add_all(
        DependencyRow(schedule_id=schedule_id, upstream_id=upstream, on=on, position=index)
        for index, (upstream, on) in enumerate(deps)
    )
    session.flush()


def detach(session: Session, schedule_id: str) -> None:
    """Drop every link to and from `schedule_id` (its delete with ?detach=true)."""
    session.execute(
        delete(DependencyRow).where(
            or_(DependencyRow.schedule_id == schedule_id, DependencyRow.upstream_id == schedule_id)
        )
    )


def name_map(session: Session, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(ScheduleRow.id, ScheduleRow.name).where(ScheduleRow.id.in_(list(ids)))
    ).all()
    return {schedule_id: name for schedule_id, name in rows}


def due_to_resume(session: Session, now: datetime) -> list[str]:
    """Switched-off schedules whose pause ran out: they switch themselves back on."""
    return list(
        session.scalars(
            select(ScheduleRow.id).where(
                ScheduleRow.enabled.is_(False),
                ScheduleRow.paused_until.is_not(None),
                ScheduleRow.paused_until <= now,
            )
        ).all()
    )
