"""Bulk actions: one request acts on many schedules, one schedule at a time.

Each schedule gets the call its single route makes (toggle, run now, delete, update), with
that call's own transaction and audit entry (but no answer, which nobody would read), so
whatever holds for one schedule holds for each. A schedule that fails (deleted meanwhile, a
dependent in the way of its delete, a tag too many) is answered for itself and the others go
on: a bulk action is many changes, not one, and no transaction spans them.
"""

from __future__ import annotations

from collections.abc import Sequence
from graphlib import CycleError, TopologicalSorter
from typing import Any, assert_never

from tickwork.auth.audit import Note
from tickwork.auth.roles import ROLES, Role
from tickwork.dispatch import Dispatcher
from tickwork.errors import NotFound, TickworkError, ValidationFailed
from tickwork.schemas import (
    BULK_ACTIONS,
    MAX_BULK,
    BulkAction,
    BulkRequest,
    BulkResponse,
    BulkResult,
)
from tickwork.service import ScheduleService, filter_of
from tickwork.store import schedules

NOT_FOUND = "not found"


def needs(action: BulkAction) -> Role:
    """The role the action needs: what its single route needs."""
    match action:
        case "enable" | "disable" | "run":
            return "operator"  # POST /schedules/{id}/toggle and /run
        case "delete" | "set_group" | "add_tag" | "remove_tag":
            return "admin"  # DELETE and PUT /schedules/{id}
        case _:
            assert_never(action)


# The bulk route lets in whoever may do at least one action; `needs` checks the one asked for.
LEAST: Role = min((needs(a) for a in BULK_ACTIONS), key=ROLES.index)


def audit_action(action: BulkAction) -> str:
    """The audit action each schedule's entry gets: its single route's."""
    match action:
        case "enable" | "disable":
            return "schedule.toggle"
        case "run":
            return "schedule.run"
        case "delete":
            return "schedule.delete"
        case "set_group" | "add_tag" | "remove_tag":
            return "schedule.update"
        case _:
            assert_never(action)


class Bulk:
    def __init__(self, service: ScheduleService, dispatcher: Dispatcher) -> None:
        self.service = service
        self.dispatcher = dispatcher

    def apply(self, request: BulkRequest, actor: str) -> BulkResponse:
        """Act on each target; the results in the order of `ids`, or by name for a filter."""
        ids, missing = self.targets(request)
        found = [i for i in ids if i not in missing]
        note = Note(actor, audit_action(request.action), "schedule", {"bulk": True})
        order = self._deletion_order(found) if request.action == "delete" else found
        done = {i: self._one(request.action, i, request.value, note) for i in order}
        return BulkResponse(
            results=[done.get(i) or BulkResult(id=i, ok=False, error=NOT_FOUND) for i in ids]
        )

    def targets(self, request: BulkRequest) -> tuple[list[str], set[str]]:
        """The ids to answer for (each once), and those of them that name no schedule."""
        if request.ids is not None:
            ids = list(dict.fromkeys(request.ids))
            known = self.service.store.read(lambda s: schedules.name_map(s, ids))
            return ids, {i for i in ids if i not in known}
        assert request.filter is not None  # the request model wants one of the two
        where = filter_of(request.filter)
        ids = self.service.store.read(lambda s: schedules.matching_ids(s, where))
        if len(ids) > MAX_BULK:
            raise ValidationFailed.one(
                "filter", f"matches {len(ids)} schedules; at most {MAX_BULK} at once"
            )
        return ids, set()

    def _one(self, action: BulkAction, schedule_id: str, value: Any, note: Note) -> BulkResult:
        try:
            self._act(action, schedule_id, value, note)
        except NotFound:  # deleted since it was found
            return BulkResult(id=schedule_id, ok=False, error=NOT_FOUND)
        except TickworkError as exc:
            return BulkResult(id=schedule_id, ok=False, error=exc.message)
        return BulkResult(id=schedule_id, ok=True)

    def _act(self, action: BulkAction, schedule_id: str, value: Any, note: Note) -> None:
        service = self.service
        match action:
            case "enable" | "disable":
                service.switch(schedule_id, action == "enable", audit=note)
            case "run":
                self.dispatcher.run_now(schedule_id, None, audit=note)
            case "delete":
                service.delete(schedule_id, audit=note)
            case "set_group":
                service.set_group(schedule_id, value, audit=note)
            case "add_tag":
                service.add_tag(schedule_id, value, audit=note)
            case "remove_tag":
                service.remove_tag(schedule_id, value, audit=note)
            case _:
                assert_never(action)

    def _deletion_order(self, ids: Sequence[str]) -> list[str]:
        """Dependents before what they depend on: a schedule others depend on cannot be
        deleted (409), but it can once those others, deleted in the same request, are gone."""
        graph = self.service.store.read(schedules.edges)
        chosen = set(ids)
        sorter: TopologicalSorter[str] = TopologicalSorter({i: () for i in ids})
        for downstream, upstreams in graph.items():
            if downstream in chosen:
                for upstream in set(upstreams) & chosen:
                    sorter.add(upstream, downstream)
        try:
            return list(sorter.static_order())
        except CycleError:  # the dependency check allows none; the request's order then
            return list(ids)
