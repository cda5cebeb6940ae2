"""/schedules/{id}/stats and /stats: what runs came to over a window, with a series for
charts (tickwork/insight.py)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import Session

from tickwork import insight
from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.errors import NotFound
from tickwork.schemas import (
    ErrorResponse,
    ScheduleIdPath,
    ScheduleStatsResponse,
    StatsQuery,
    StatsResponse,
)
from tickwork.store import schedules

bp = Blueprint("stats", __name__, url_prefix=PREFIX)


@SPEC.route(
    bp,
    "/schedules/<schedule_id>/stats",
    "GET",
    summary="A schedule's run statistics over a window, with a series by hour or day",
    path=ScheduleIdPath,
    query=StatsQuery,
    responses={200: ScheduleStatsResponse, 404: ErrorResponse},
)
def schedule_stats(path: ScheduleIdPath, query: StatsQuery) -> ScheduleStatsResponse:
    rt = runtime()

    def work(session: Session) -> ScheduleStatsResponse:
        if schedules.get(session, path.schedule_id) is None:
            raise NotFound(f"no schedule {path.schedule_id}")
        return insight.for_schedule(session, path.schedule_id, query.window, rt.clock.now())

    return rt.store.read(work)


@SPEC.route(
    bp,
    "/stats",
    "GET",
    summary="Run statistics over a window, per group and for everything",
    query=StatsQuery,
    responses={200: StatsResponse},
)
def all_stats(query: StatsQuery) -> StatsResponse:
    rt = runtime()
    return rt.store.read(lambda session: insight.overall(session, query.window, rt.clock.now()))
