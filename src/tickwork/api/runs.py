"""/runs: one run, its log (readable while it grows) and cancel; the runs of all schedules."""

from __future__ import annotations

import codecs
from pathlib import Path

from flask import Blueprint

from tickwork.api.audit import record
from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.errors import NotFound
from tickwork.schemas import (
    AllRunsQuery,
    ErrorResponse,
    LogQuery,
    LogResponse,
    RunIdPath,
    RunListResponse,
    RunResponse,
)
from tickwork.store import runs
from tickwork.store.tables import ACTIVE_STATUSES

bp = Blueprint("runs", __name__, url_prefix=PREFIX)


@SPEC.route(
    bp,
    "/runs/<int:run_id>",
    "GET",
    summary="One run",
    path=RunIdPath,
    responses={200: RunResponse, 404: ErrorResponse},
)
def get_run(path: RunIdPath) -> RunResponse:
    return runtime().service.run(path.run_id)


@SPEC.route(
    bp,
    "/runs/<int:run_id>/log",
    "GET",
    summary="The run's log from a byte offset",
    path=RunIdPath,
    query=LogQuery,
    responses={200: LogResponse, 404: ErrorResponse},
)
def run_log(path: RunIdPath, query: LogQuery) -> LogResponse:
    rt = runtime()
    with rt.store.reading() as session:
        run = runs.get(session, path.run_id)
        if run is None:
            raise NotFound(f"no run {path.run_id}")
        log_path, complete = run.log_path, run.status not in ACTIVE_STATUSES
    data = b""
    if log_path:
        try:
            with Path(log_path).open("rb") as handle:
                handle.seek(query.offset)
                data = handle.read(query.limit)
        except FileNotFoundError:
            data = b""
    # A character split by the page's edge is held back for the next page (never dropped);
    # bytes that are not UTF-8 show as U+FFFD but still count, so offsets stay file offsets.
    at_end = complete and len(data) < query.limit
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    text = decoder.decode(data, final=at_end)
    held_back = len(decoder.getstate()[0])
    return LogResponse(
        run_id=path.run_id,
        offset=query.offset,
        next_offset=query.offset + len(data) - held_back,
        content=text,
        complete=at_end,
    )


@SPEC.route(
    bp,
    "/runs/<int:run_id>/cancel",
    "POST",
    summary="Cancel a queued or running run",
    path=RunIdPath,
    access="operator",
    responses={202: RunResponse, 404: ErrorResponse, 409: ErrorResponse},
)
def cancel_run(path: RunIdPath) -> RunResponse:
    rt = runtime()
    rt.dispatcher.cancel(path.run_id)
    run = rt.service.run(path.run_id)
    record("run.cancel", "run", str(run.id), schedule_id=run.schedule_id)
    return run


@SPEC.route(
    bp,
    "/runs",
    "GET",
    summary="Runs of every schedule, newest first",
    query=AllRunsQuery,
    responses={200: RunListResponse},
)
def list_runs(query: AllRunsQuery) -> RunListResponse:
    where = runs.RunFilter(query.status, query.trigger, query.schedule_id)
    items, total = runtime().service.all_runs(where, query.page, query.page_size)
    return RunListResponse(items=items, total=total, page=query.page, page_size=query.page_size)
