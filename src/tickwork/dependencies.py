"""Checks on `depends_on`: pure, on a graph handed in, so they test without a store.

The graph maps a schedule id to the ids it depends on (its upstreams). A schedule may not
depend on itself, on an unknown schedule, on the same schedule twice, or close a cycle: a
cycle would chain its runs for ever, so it is refused with its members named in order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tickwork.errors import FieldError

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
