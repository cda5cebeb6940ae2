"""/schedules: create, read, change, delete, switch on and off, run now, history, import/export,
clone, and bulk actions."""

from __future__ import annotations

from flask import Blueprint, Response

from tickwork import bulk, portable
from tickwork.api.audit import note
from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.auth import guard
from tickwork.schemas import (
    BulkRequest,
    BulkResponse,
    DeleteQuery,
    ErrorResponse,
    ExecutionHistoryResponse,
    ImportRequest,
    ImportResponse,
    PortableDocument,
    RunListQuery,
    RunNowRequest,
    RunResponse,
    ScheduleCreateRequest,
    ScheduleIdPath,
    ScheduleListQuery,
    ScheduleListResponse,
    ScheduleResponse,
    ScheduleUpdateRequest,
    StatusResponse,
    ToggleRequest,
)
from tickwork.service import filter_of

bp = Blueprint("schedules", __name__, url_prefix=PREFIX)
NOT_FOUND = {404: ErrorResponse}


@SPEC.route(
    bp,
    "/schedules",
    "GET",
    summary="List schedules",
    query=ScheduleListQuery,
    responses={200: ScheduleListResponse},
)
def list_schedules(query: ScheduleListQuery) -> ScheduleListResponse:
    items, total = runtime().service.page(filter_of(query), query.page, query.page_size, query.sort)
    return ScheduleListResponse(
        items=items, total=total, page=query.page, page_size=query.page_size
    )


@SPEC.route(
    bp,
    "/schedules",
    "POST",
    summary="Create a schedule",
    body=ScheduleCreateRequest,
    responses={201: ScheduleResponse},
)
def create_schedule(body: ScheduleCreateRequest) -> ScheduleResponse:
    return runtime().service.create(body, audit=note("schedule.create", "schedule"))


@SPEC.route(
    bp,
    "/schedules/status",
    "GET",
    summary="Scheduler state, counts, next and running runs",
    responses={200: StatusResponse},
)
def scheduler_status() -> StatusResponse:
    return runtime().dashboard.status()


@SPEC.route(
    bp,
    "/schedules/export",
    "GET",
    summary="All schedules as schedules.json",
    responses={200: PortableDocument},
)
def export_schedules() -> Response:
    from flask import jsonify

    response = jsonify(portable.export_document(runtime().service))
    response.headers["Content-Disposition"] = 'attachment; filename="schedules.json"'
    return response


@SPEC.route(
    bp,
    "/schedules/import",
    "POST",
    summary="Import schedules.json (all or nothing)",
    body=ImportRequest,
    responses={200: ImportResponse},
)
def import_schedules(body: ImportRequest) -> ImportResponse:
    document = body.root
    raw = document if isinstance(document, list) else document.model_dump()
    # The entry is written with the schedules: an import answered 503 saved nothing.
    return portable.import_document(runtime().service, raw, note("schedule.import", "schedule"))


@SPEC.route(
    bp,
    "/schedules/bulk",
    "POST",
    summary="One action on many schedules (by ids or by the list's filters), answered per "
    "schedule; each needs the role its single action needs",
    body=BulkRequest,
    access=bulk.LEAST,
    responses={200: BulkResponse},
)
def bulk_action(body: BulkRequest) -> BulkResponse:
    guard.require(bulk.needs(body.action))
    rt = runtime()
    return bulk.Bulk(rt.service, rt.dispatcher).apply(body, guard.actor())


@SPEC.route(
    bp,
    "/schedules/<schedule_id>",
    "GET",
    summary="One schedule",
    path=ScheduleIdPath,
    responses={200: ScheduleResponse, **NOT_FOUND},
)
def get_schedule(path: ScheduleIdPath) -> ScheduleResponse:
    return runtime().service.one(path.schedule_id)


def _update(path: ScheduleIdPath, body: ScheduleUpdateRequest) -> ScheduleResponse:
    audit = note("schedule.update", "schedule")
    return runtime().service.update(path.schedule_id, body, audit=audit)


@SPEC.route(
    bp,
    "/schedules/<schedule_id>",
    "PUT",
    summary="Change a schedule (partial)",
    path=ScheduleIdPath,
    body=ScheduleUpdateRequest,
    responses={200: ScheduleResponse, **NOT_FOUND},
)
def update_schedule(path: ScheduleIdPath, body: ScheduleUpdateRequest) -> ScheduleResponse:
    return _update(path, body)


@SPEC.route(
    bp,
    "/schedules/<schedule_id>",
    "PATCH",
    summary="Change a schedule (partial)",
    path=ScheduleIdPath,
    body=ScheduleUpdateRequest,
    responses={200: ScheduleResponse, **NOT_FOUND},
)
def patch_schedule(path: ScheduleIdPath, body: ScheduleUpdateRequest) -> ScheduleResponse:
    return _update(path, body)


@SPEC.route(
    bp,
    "/schedules/<schedule_id>",
    "DELETE",
    summary="Delete a schedule and its history",
    path=ScheduleIdPath,
    query=DeleteQuery,
    responses={204: None, **NOT_FOUND, 409: ErrorResponse},
)
def delete_schedule(path: ScheduleIdPath, query: DeleteQuery) -> None:
    runtime().service.delete(
        path.schedule_id, audit=note("schedule.delete", "schedule"), detach=query.detach
    )


@SPEC.route(
    bp,
    "/schedules/<schedule_id>/clone",
    "POST",
    summary='A switched-off copy named "<name> (copy)", without history',
    path=ScheduleIdPath,
    responses={201: ScheduleResponse, **NOT_FOUND},
)
def clone_schedule(path: ScheduleIdPath) -> ScheduleResponse:
    return runtime().service.clone(path.schedule_id, audit=note("schedule.clone", "schedule"))


@SPEC.route(
    bp,
    "/schedules/<schedule_id>/toggle",
    "POST",
    summary='Flip enabled, or set it with {"enabled": bool}; switching off may carry a note '
    "and an until time",
    path=ScheduleIdPath,
    body=ToggleRequest,
    body_required=False,
    access="operator",
    responses={200: ScheduleResponse, **NOT_FOUND},
)
def toggle_schedule(path: ScheduleIdPath, body: ToggleRequest) -> ScheduleResponse:
    audit = note("schedule.toggle", "schedule")
    return runtime().service.toggle(
        path.schedule_id, body.enabled, audit=audit, note=body.note, until=body.until
    )


@SPEC.route(
    bp,
    "/schedules/<schedule_id>/run",
    "POST",
    summary="Run now, optionally with some parameters replaced for this run",
    path=ScheduleIdPath,
    body=RunNowRequest,
    body_required=False,
    access="operator",
    responses={202: RunResponse, **NOT_FOUND},
)
def run_schedule_now(path: ScheduleIdPath, body: RunNowRequest) -> RunResponse:
    rt = runtime()
    outcome = rt.dispatcher.run_now(
        path.schedule_id, body.parameters, audit=note("schedule.run", "schedule")
    )
    return rt.service.run(outcome.run_id)


@SPEC.route(
    bp,
    "/schedules/<schedule_id>/runs",
    "GET",
    summary="Run history, newest first",
    path=ScheduleIdPath,
    query=RunListQuery,
    responses={200: ExecutionHistoryResponse, **NOT_FOUND},
)
def schedule_runs(path: ScheduleIdPath, query: RunListQuery) -> ExecutionHistoryResponse:
    items, total = runtime().service.run_page(
        path.schedule_id, query.status, query.page, query.page_size
    )
    return ExecutionHistoryResponse(
        items=items, total=total, page=query.page, page_size=query.page_size
    )
