"""/runs: one run, its log (readable while it grows, or as a file), its resource use over time
and cancel; the runs of all schedules."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal

from flask import Blueprint, Response

from tickwork.api.audit import record
from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.errors import NotFound
from tickwork.executor.process import stderr_ranges
from tickwork.resources import Sample
from tickwork.schemas import (
    AllRunsQuery,
    ErrorResponse,
    LogQuery,
    LogResponse,
    LogSegment,
    ResourceSample,
    RunIdPath,
    RunListResponse,
    RunResourcesResponse,
    RunResponse,
)
from tickwork.store import resources, runs
from tickwork.store.runs import ACTIVE_STATUSES

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
    log_path, complete = _log_of(path.run_id)
    data = b""
    if log_path:
        try:
            with Path(log_path).open("rb") as handle:
                handle.seek(query.offset)
                data = handle.read(query.limit)
        except FileNotFoundError:
            data = b""
    at_end = complete and len(data) < query.limit
    ranges = stderr_ranges(Path(log_path)) if log_path and data else []
    segments, held_back = _segments(data, query.offset, ranges, at_end)
    return LogResponse(
        run_id=path.run_id,
        offset=query.offset,
        next_offset=query.offset + len(data) - held_back,
        content="".join(s.text for s in segments),
        complete=at_end,
        segments=segments,
    )


def _log_of(run_id: int) -> tuple[str | None, bool]:
    """The run's log file, and whether the run has ended (so the file is whole)."""
    with runtime().store.reading() as session:
        run = runs.get(session, run_id)
        if run is None:
            raise NotFound(f"no run {run_id}")
        return run.log_path, run.status not in ACTIVE_STATUSES


def _segments(
    data: bytes, offset: int, ranges: list[tuple[int, int]], final: bool
) -> tuple[list[LogSegment], int]:
    """`data` (the log from `offset`) decoded and cut at the stderr ranges; and how many bytes
    at its end were held back.

    One decoder runs over the pieces in order, so a character split by a page's edge is held
    back for the next page (never dropped), one split by a stream change goes with the piece
    where it ends, and bytes that are not UTF-8 show as U+FFFD but still count: offsets stay
    file offsets.
    """
    pieces: list[tuple[Literal["stdout", "stderr"], bytes]] = []
    at = 0
    for start, end in ranges:
        start, end = max(start - offset, at), min(end - offset, len(data))
        if start >= end:
            continue
        pieces += [("stdout", data[at:start]), ("stderr", data[start:end])]
        at = end
    pieces.append(("stdout", data[at:]))
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    segments: list[LogSegment] = []
    for i, (stream, piece) in enumerate(pieces):
        text = decoder.decode(piece, final=final and i == len(pieces) - 1)
        if not text:
            continue
        if segments and segments[-1].stream == stream:
            segments[-1].text += text
        else:
            segments.append(LogSegment(stream=stream, text=text))
    return segments, len(decoder.getstate()[0])


@SPEC.route(
    bp,
    "/runs/<int:run_id>/log/download",
    "GET",
    summary="The run's whole log file, as a download",
    path=RunIdPath,
    responses={200: "text/plain", 404: ErrorResponse},
)
def download_run_log(path: RunIdPath) -> Response:
    log_path, _ = _log_of(path.run_id)
    handle: BinaryIO | None = None
    if log_path:
        try:
            handle = Path(log_path).open("rb")
        except FileNotFoundError:
            handle = None  # not written yet, or pruned: an empty file, as for no log at all
    response = Response(
        _chunks(handle) if handle else b"", content_type="text/plain; charset=utf-8"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="run-{path.run_id}.log"'
    return response


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    """The file as it is while being sent: a live log grows, and what is there is sent."""
    with handle:
        while chunk := handle.read(64 * 1024):
            yield chunk


@SPEC.route(
    bp,
    "/runs/<int:run_id>/resources",
    "GET",
    summary="The run's CPU, memory and process count over time",
    path=RunIdPath,
    responses={200: RunResourcesResponse, 404: ErrorResponse},
)
def run_resources(path: RunIdPath) -> RunResourcesResponse:
    rt = runtime()
    with rt.store.reading() as session:
        run = runs.get(session, path.run_id)
        if run is None:
            raise NotFound(f"no run {path.run_id}")
        points = resources.load(session, path.run_id)
        ended = run.status not in ACTIVE_STATUSES
        figures = (
            (run.cpu_percent_mean, run.cpu_percent_peak, run.memory_mean_bytes)
            if ended
            else _figures(points)
        )
        peak = run.peak_memory_bytes
        if not ended and points:
            peak = max(peak or 0, max(p.rss_bytes for p in points))
        setting = rt.settings.resource_sample_seconds
        interval = points[-1].span_seconds if points else (setting if setting > 0 else None)
        return RunResourcesResponse(
            run_id=run.id,
            status=run.status,  # type: ignore[arg-type]  # a RunStatus value in the column
            interval_seconds=interval,
            samples=[
                ResourceSample(
                    at=datetime.fromtimestamp(p.at, UTC),
                    cpu_percent=p.cpu_percent,
                    rss_bytes=p.rss_bytes,
                    processes=p.processes,
                )
                for p in points
            ],
            cpu_percent_mean=figures[0],
            cpu_percent_peak=figures[1],
            memory_mean_bytes=figures[2],
            peak_memory_bytes=peak,
        )


def _figures(points: list[Sample]) -> tuple[float | None, float | None, int | None]:
    """A running run's figures so far, from its stored points weighted by their spans (the
    run's own, from every sample, are written at its end)."""
    span = sum(p.span_seconds for p in points)
    if not points or span <= 0:
        return None, None, None
    return (
        round(sum(p.cpu_percent * p.span_seconds for p in points) / span, 2),
        max(p.cpu_percent for p in points),
        round(sum(p.rss_bytes * p.span_seconds for p in points) / span),
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
