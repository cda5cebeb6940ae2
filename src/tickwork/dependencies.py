"""Checks on `depends_on`, answered as 422s on that field.

A schedule may not depend on itself, on an unknown schedule, on the same schedule twice, or
close a cycle: a cycle would chain its runs for ever, so it is refused with its members named
in order ("A → B → A"). The graph maps a schedule id to the ids it depends on (its
upstreams); the walks over it are pure, and `check` / `check_import` read it from the store
in the caller's transaction, so the check and the save see the same links.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from tickwork.errors import FieldError, ValidationFailed
from tickwork.store import schedules

FIELD = "depends_on"
Graph = Mapping[str, Sequence[str]]


def problems(schedule_id: str | None, upstreams: Sequence[str], known: set[str]) -> list[str]:
    """What is wrong with one schedule's list on its own (cycles need the whole graph)."""
    found = []
    seen: set[str] = set()
    for upstream in upstreams:
        if upstream == schedule_id:
            found.append("a schedule cannot depend on itself")
        elif upstream not in known:
            found.append(f"no schedule {upstream}")
        elif upstream in seen:
            found.append(f"schedule {upstream} is listed twice")
        seen.add(upstream)
    return found


def cycle_from(graph: Graph, start: str) -> list[str] | None:
    """A path start -> ... -> start along the upstream links, or None when there is none."""
    path: list[str] = [start]
    done: set[str] = set()

    def walk(node: str) -> bool:
        for upstream in graph.get(node, ()):
            if upstream == start:
                path.append(start)
                return True
            if upstream in done or upstream in path:
                continue
            path.append(upstream)
            if walk(upstream):
                return True
            path.pop()
            done.add(upstream)
        return False

    return path if walk(start) else None


def any_cycle(graph: Graph, order: Sequence[str]) -> list[str] | None:
    """The first cycle through any of `order` (tried in that order), for an import's final
    set of links: whichever schedule of a file closes the cycle, it is found."""
    for schedule_id in order:
        found = cycle_from(graph, schedule_id)
        if found is not None:
            return found
    return None


def describe(path: Sequence[str], names: Mapping[str, str]) -> str:
    return "makes a cycle: " + " → ".join(names.get(i, i) for i in path)


def errors(messages: Sequence[str], field: str = FIELD) -> list[FieldError]:
    return [FieldError(field, message) for message in messages]


def check(session: Session, schedule_id: str, deps: Sequence[tuple[str, str]], name: str) -> None:
    """422 unless `schedule_id` (named `name`, perhaps not stored yet) may depend on `deps`,
    (upstream id, on) pairs, with every other schedule's links as stored."""
    upstreams = [upstream for upstream, _ in deps]
    found = problems(schedule_id, upstreams, set(schedules.name_map(session, upstreams)))
    if not found:
        graph = dict(schedules.edges(session))
        graph[schedule_id] = upstreams
        cycle = cycle_from(graph, schedule_id)
        if cycle is not None:
            found.append(describe(cycle, schedules.name_map(session, cycle) | {schedule_id: name}))
    if found:
        raise ValidationFailed(errors(found))


def check_import(
    session: Session,
    entries: Sequence[tuple[str | None, str]],
    wanted: Sequence[Sequence[tuple[str, str]]],
) -> None:
    """The checks for an import's (id, name) entries and their lists, over the set the file
    leaves behind: a link may name a stored schedule or one the same file brings, listed
    before or after it. Fields are `schedules.<index>.depends_on`."""
    named = {i: name for i, name in entries if i}
    index_of = {i: index for index, (i, _) in enumerate(entries) if i}
    stored = schedules.name_map(session, [u for deps in wanted for u, _ in deps])
    known = set(stored) | set(named)
    graph = dict(schedules.edges(session))
    found: list[FieldError] = []
    for index, ((schedule_id, _), deps) in enumerate(zip(entries, wanted, strict=True)):
        upstreams = [u for u, _ in deps]
        found += errors(problems(schedule_id, upstreams, known), f"schedules.{index}.{FIELD}")
        if schedule_id:
            graph[schedule_id] = upstreams
    if not found:
        cycle = any_cycle(graph, list(index_of))
        if cycle is not None:
            names = schedules.name_map(session, cycle) | named
            where = f"schedules.{index_of[cycle[0]]}.{FIELD}"
            found += errors([describe(cycle, names)], where)
    if found:
        raise ValidationFailed(found, f"nothing imported: {len(found)} problem(s) found")
