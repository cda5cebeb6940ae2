"""Statistics as the API answers them: a schedule's, each group's and everything's over a
window, and the two figures every schedule response carries.

Read from the rollups (store/rollups.py), never from the runs: a window of 90 days over a
million runs is a few hundred rows of sums. Times are whole UTC hours and days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tickwork.schemas import (
    GroupStats,
    RunStats,
    ScheduleStatsResponse,
    StatsPoint,
    StatsResponse,
    StatusCounts,
)
from tickwork.statistics import STEP, WINDOWS, Tally, Window
from tickwork.store import rollups

# The window the figures on every schedule response cover.
SUMMARY_WINDOW = WINDOWS["7d"]


def for_schedule(
    session: Session, schedule_id: str, window_name: str, now: datetime
) -> ScheduleStatsResponse:
    window = WINDOWS[window_name]
    scope = rollups.schedule_scope(schedule_id)
    found = rollups.tallies(session, window.grain, window.start(now), [scope])
    return ScheduleStatsResponse(
        schedule_id=schedule_id,
        **_window_fields(window, now),
        **_stats(window, now, _by_start(found)).model_dump(),
    )


def overall(session: Session, window_name: str, now: datetime) -> StatsResponse:
    """For everything and per group (the runs each group's schedules ended while in it)."""
    window = WINDOWS[window_name]
    since = window.start(now)
    everything = rollups.tallies(session, window.grain, since, [rollups.ALL])
    per_group: dict[str | None, dict[datetime, Tally]] = {}
    found = rollups.tallies(session, window.grain, since, kind="group")
    for (scope, start), tally in found.items():
        group = scope.removeprefix(rollups.GROUP_PREFIX) or None
        if start is not None:
            per_group.setdefault(group, {})[start] = tally
    ordered = sorted(per_group, key=lambda g: (g is None, g or ""))  # no group last
    return StatsResponse(
        **_window_fields(window, now),
        all=_stats(window, now, _by_start(everything)),
        groups=[
            GroupStats(group=group, **_stats(window, now, per_group[group]).model_dump())
            for group in ordered
        ],
    )


def summaries(
    session: Session, schedule_ids: Sequence[str], now: datetime
) -> dict[str, tuple[float | None, float | None]]:
    """Each schedule's success rate and p95 duration over SUMMARY_WINDOW, for the list."""
    if not schedule_ids:
        return {}
    scopes = {rollups.schedule_scope(i): i for i in schedule_ids}
    found = rollups.tallies(
        session,
        SUMMARY_WINDOW.grain,
        SUMMARY_WINDOW.start(now),
        list(scopes),
        per_start=False,
    )
    return {
        scopes[scope]: (tally.success_rate, tally.duration(0.95))
        for (scope, _), tally in found.items()
    }


def _by_start(found: dict[tuple[str, datetime | None], Tally]) -> dict[datetime, Tally]:
    return {start: tally for (_, start), tally in found.items() if start is not None}


def _window_fields(window: Window, now: datetime) -> dict[str, Any]:
    start = window.start(now)
    return {
        "window": window.name,
        "bucket": window.grain,
        "since": start,
        "until": start + STEP[window.grain] * window.points,
    }


def _stats(window: Window, now: datetime, by_start: dict[datetime, Tally]) -> RunStats:
    """The window's totals and its series, one point per hour or day, empty ones included
    (a chart's axis has no gaps)."""
    total = Tally()
    series = []
    for start in window.starts(now):
        tally = by_start.get(start, Tally())
        total.add(tally)
        series.append(
            StatsPoint(
                start=start,
                runs=tally.runs,
                counts=StatusCounts(**tally.counts),
                duration_p95=tally.duration(0.95),
            )
        )
    return RunStats(
        runs=total.runs,
        counts=StatusCounts(**total.counts),
        success_rate=total.success_rate,
        duration_p50=total.duration(0.5),
        duration_p95=total.duration(0.95),
        duration_max=total.duration_max,
        duration_total=round(total.duration_seconds, 3),
        cpu_seconds_mean=total.cpu_seconds_mean,
        peak_memory_max=total.peak_memory_bytes,
        series=series,
    )
