"""The warnings a schedule response and the cron preview carry: a duplicate name, runs that
outlast the gap to the next fire, more runs at once than run slots.

The store reads behind them are batched per page (one windowed query for the durations) or
come from the read cache (names and the slot forecast of all schedules), so a page of fifty
costs the same at 10 and at 10,000 schedules. The maths is overlap.py's.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tickwork import overlap
from tickwork.readcache import ReadCache, Snapshot, load_of, name_key
from tickwork.schemas import ScheduleWarning
from tickwork.store import runs, schedules
from tickwork.store.tables import ScheduleRow


@dataclass(frozen=True)
class Draft:
    """A schedule as the form holds it before saving, for the cron preview."""

    cron_schedule: str
    timezone: str
    timeout_seconds: int
    concurrency_policy: str
    schedule_id: str | None = None
    name: str | None = None


def for_rows(
    session: Session, cache: ReadCache, rows: Sequence[ScheduleRow], now: datetime
) -> dict[str, list[ScheduleWarning]]:
    """Each row's warnings, by schedule id."""
    snap = cache.snapshot(session)
    durations = runs.recent_durations(session, [r.id for r in rows], overlap.RECENT_RUNS)
    forecast = cache.forecast(session, now) if any(r.enabled for r in rows) else None
    out: dict[str, list[ScheduleWarning]] = {}
    for row in rows:
        found = duplicate_names(snap, row.id, row.name)
        _, expected = load_of(_brief(row), durations.get(row.id))
        found += _shown(overlap.self_overlap(row.cron_schedule, row.timezone, expected, now))
        if forecast is not None and row.enabled:
            found += _shown(overlap.slot_overload(forecast.slots, row.id, now))
        out[row.id] = found
    return out


def for_draft(
    session: Session, cache: ReadCache, draft: Draft, now: datetime
) -> list[ScheduleWarning]:
    """The warnings the draft would have once saved (and switched on)."""
    found = duplicate_names(cache.snapshot(session), draft.schedule_id, draft.name)
    durations: Sequence[float] = ()
    if draft.schedule_id is not None:
        durations = runs.recent_durations(session, [draft.schedule_id], overlap.RECENT_RUNS).get(
            draft.schedule_id, []
        )
    brief = schedules.Brief(
        draft.schedule_id or "",
        draft.name or "",
        True,
        "",
        draft.cron_schedule,
        draft.timezone,
        draft.timeout_seconds,
        draft.concurrency_policy,
    )
    load, expected = load_of(brief, durations)
    found += _shown(overlap.self_overlap(draft.cron_schedule, draft.timezone, expected, now))
    forecast = cache.forecast(session, now)
    if forecast is not None:
        stored = forecast.loads.get(draft.schedule_id or "")
        found += _shown(overlap.slot_overload_of(forecast.slots, load, stored, now))
    return found


def duplicate_names(
    snap: Snapshot, schedule_id: str | None, name: str | None
) -> list[ScheduleWarning]:
    if not name:
        return []
    others = {n for i, n in snap.namesakes.get(name_key(name), []) if i != schedule_id}
    return [
        ScheduleWarning(
            code="duplicate_name",
            message=f"another schedule is named {json.dumps(other, ensure_ascii=False)}",
        )
        for other in sorted(others)
    ]


def _brief(row: ScheduleRow) -> schedules.Brief:
    return schedules.Brief(
        row.id,
        row.name,
        row.enabled,
        row.workflow_type,
        row.cron_schedule,
        row.timezone,
        row.timeout_seconds,
        row.concurrency_policy,
    )


def _shown(warning: overlap.Warning | None) -> list[ScheduleWarning]:
    if warning is None:
        return []
    return [
        ScheduleWarning(code=warning.code, message=warning.message, instants=list(warning.instants))
    ]
