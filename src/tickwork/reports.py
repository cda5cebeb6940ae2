"""Execution reports: what a period of whole UTC days came to, for everything, per group and
per schedule, beside the period of the same length just before it, and its slowest runs.

Read from the day rollups (store/rollups.py), so a report covers at most the days they keep
(statistics.KEPT); the slowest runs are the one part read from the runs themselves, and so
only from the history pruning has left. CSV and the weekly message are drawn from the same
answer as the JSON.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickwork.errors import ValidationFailed
from tickwork.schemas import (
    ReportChange,
    ReportFigures,
    ReportGroupLine,
    ReportResponse,
    ReportRun,
    ReportScheduleLine,
)
from tickwork.statistics import KEPT, Tally
from tickwork.store import rollups
from tickwork.store.tables import RunRow, ScheduleRow

PERIODS = {"day": 1, "week": 7, "month": 30}
SLOWEST = 10
CSV_COLUMNS = (
    "kind",
    "group",
    "schedule_id",
    "schedule",
    "runs",
    "failures",
    "success_rate",
    "duration_total",
    "duration_p95",
    "cpu_seconds_total",
    "peak_memory_max",
    "runs_previous",
    "failures_previous",
    "success_rate_previous",
    "duration_p95_previous",
)


def days_of(
    first: date | None, last: date | None, period: str | None, today: date
) -> tuple[date, date]:
    """The first and last day a request asks for: `from`..`to` (both included), or the
    `period` ending today, or the last 7 days. Refused beyond what the rollups keep."""
    if period is not None and (first is not None or last is not None):
        raise ValidationFailed.one("period", "give either period or from/to, not both")
    if period is not None:
        last, first = today, today - timedelta(days=PERIODS[period] - 1)
    last = last or today
    first = first or last - timedelta(days=6)
    oldest = today - timedelta(days=KEPT["day"].days - 1)
    if first > last:
        raise ValidationFailed.one("from", "from is after to")
    if last > today:
        raise ValidationFailed.one("to", f"to is after today ({today.isoformat()})")
    if first < oldest:
        raise ValidationFailed.one(
            "from",
            f"statistics are kept for {KEPT['day'].days} days: from must be "
            f"{oldest.isoformat()} or later",
        )
    return first, last


def build(session: Session, first: date, last: date) -> ReportResponse:
    length = (last - first).days + 1
    before_last = first - timedelta(days=1)
    before_first = before_last - timedelta(days=length - 1)
    now_ = _sums(session, first, last)
    was = _sums(session, before_first, before_last)
    names = {
        row.id: (row.name, row.group)
        for row in session.execute(select(ScheduleRow.id, ScheduleRow.name, ScheduleRow.group))
    }
    schedules = []
    for scope in sorted(
        (s for s in now_ if s.startswith("schedule:")),
        key=lambda s: names.get(s.removeprefix("schedule:"), (s, None))[0].lower(),
    ):
        schedule_id = scope.removeprefix("schedule:")
        if schedule_id not in names:
            continue  # deleted while the request ran
        name, group = names[schedule_id]
        schedules.append(
            ReportScheduleLine(
                schedule_id=schedule_id,
                schedule=name,
                group=group,
                **_line(now_[scope], was.get(scope)),
            )
        )
    group_scopes = sorted(
        (s for s in now_ if s.startswith(rollups.GROUP_PREFIX)),
        key=lambda s: (s == rollups.GROUP_PREFIX, s),
    )
    return ReportResponse(
        **{"from": first, "to": last},
        previous_from=before_first,
        previous_to=before_last,
        all=ReportFigures(**_line(now_.get(rollups.ALL, Tally()), was.get(rollups.ALL))),
        groups=[
            ReportGroupLine(
                group=scope.removeprefix(rollups.GROUP_PREFIX) or None,
                **_line(now_[scope], was.get(scope)),
            )
            for scope in group_scopes
        ],
        schedules=schedules,
        slowest_runs=_slowest(session, first, last),
    )


def _sums(session: Session, first: date, last: date) -> dict[str, Tally]:
    """Each scope's days from `first` to `last`, added up."""
    since = datetime.combine(first, time(), UTC)
    until = datetime.combine(last + timedelta(days=1), time(), UTC)
    found: dict[tuple[str, datetime | None], Tally] = {}
    for kind in rollups.KINDS:
        found |= rollups.tallies(session, "day", since, kind=kind, until=until, per_start=False)
    return {scope: tally for (scope, _), tally in found.items()}


def _figures(tally: Tally) -> dict[str, Any]:
    return {
        "runs": tally.runs,
        "failures": tally.failures,
        "success_rate": tally.success_rate,
        "duration_total": round(tally.duration_seconds, 3),
        "duration_p95": tally.duration(0.95),
        "cpu_seconds_total": round(tally.cpu_seconds, 3),
        "peak_memory_max": tally.peak_memory_bytes,
    }


def _line(tally: Tally, before: Tally | None) -> dict[str, Any]:
    figures = _figures(tally)
    was = _figures(before or Tally())
    return {
        **figures,
        "previous": ReportFigures(**was, previous=None, change=None),
        "change": ReportChange(
            runs=figures["runs"] - was["runs"],
            failures=figures["failures"] - was["failures"],
            success_rate=_delta(figures["success_rate"], was["success_rate"], 4),
            duration_p95=_delta(figures["duration_p95"], was["duration_p95"], 3),
        ),
    }


def _delta(now_: float | None, was: float | None, digits: int) -> float | None:
    return None if now_ is None or was is None else round(now_ - was, digits)


def _slowest(session: Session, first: date, last: date) -> list[ReportRun]:
    since = datetime.combine(first, time(), UTC)
    until = datetime.combine(last + timedelta(days=1), time(), UTC)
    rows = session.execute(
        select(RunRow, ScheduleRow.name)
        .join(ScheduleRow, ScheduleRow.id == RunRow.schedule_id)
        .where(
            RunRow.finished_at >= since,
            RunRow.finished_at < until,
            RunRow.duration_seconds.is_not(None),
            RunRow.started_at.is_not(None),
        )
        .order_by(RunRow.duration_seconds.desc(), RunRow.id)
        .limit(SLOWEST)
    ).all()
    return [
        ReportRun(
            run_id=run.id,
            schedule_id=run.schedule_id,
            schedule=name,
            status=run.status,  # type: ignore[arg-type]
            started_at=run.started_at,
            duration_seconds=run.duration_seconds,
        )
        for run, name in rows
    ]


def as_csv(report: ReportResponse) -> str:
    """One row for everything, one per group, one per schedule (CSV_COLUMNS)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    lines: Iterable[tuple[str, str | None, str, str, ReportFigures]] = [
        ("all", None, "", "", report.all),
        *(("group", g.group, "", "", g) for g in report.groups),
        *(("schedule", s.group, s.schedule_id, s.schedule, s) for s in report.schedules),
    ]
    for kind, group, schedule_id, name, line in lines:
        was = line.previous or ReportFigures(**_figures(Tally()))
        writer.writerow(
            [
                kind,
                group or "",
                schedule_id,
                _cell(name),
                line.runs,
                line.failures,
                _num(line.success_rate),
                _num(line.duration_total),
                _num(line.duration_p95),
                _num(line.cpu_seconds_total),
                _num(line.peak_memory_max),
                was.runs,
                was.failures,
                _num(was.success_rate),
                _num(was.duration_p95),
            ]
        )
    return out.getvalue()


def _num(value: float | int | None) -> str:
    return "" if value is None else str(value)


def _cell(text: str) -> str:
    """A name as a spreadsheet shows it, never as a formula it runs (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def as_text(report: ReportResponse, page_url: str) -> tuple[str, str]:
    """The weekly message: a title and a plain-text body."""
    first, last = report.from_.isoformat(), report.to.isoformat()
    whole = report.all
    title = f"[tickwork] Report {first} to {last}: {whole.runs} runs, {whole.failures} failed"
    lines = [
        f"Runs: {whole.runs} ({_signed(whole.change.runs if whole.change else None)})",
        f"Failures: {whole.failures} ({_signed(whole.change.failures if whole.change else None)})",
        f"Success rate: {_percent(whole.success_rate)}",
        f"p95 duration: {_seconds(whole.duration_p95)}",
        "",
    ]
    failing = sorted(
        (s for s in report.schedules if s.failures), key=lambda s: (-s.failures, s.schedule)
    )
    if failing:
        lines.append("Schedules with failures:")
        lines += [f"- {s.schedule}: {s.failures} of {s.runs}" for s in failing[:10]]
        lines.append("")
    if report.groups:
        lines.append("Groups:")
        lines += [
            f"- {g.group or '(no group)'}: {g.runs} runs, {_percent(g.success_rate)} ok"
            for g in report.groups
        ]
        lines.append("")
    lines.append(f"Reports: {page_url}/reports?from={first}&to={last}")
    return title, "\n".join(lines)


def _signed(value: int | None) -> str:
    return "no change" if not value else f"{value:+d} against the week before"


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"
