"""What a notification says: a title and a plain-text body, from the facts its outbox row
kept (store/outbox.py), and a link to the run's page. Pure: no store, no network.

    [tickwork] Nightly report: run #42 failed
    Schedule: Nightly report
    Run: #42, attempt 2 of 3 (retry)
    Outcome: failed, exit code 3
    Duration: 1 min 4 s
    Error: exited with code 3
    Run page: https://tick.example.org/runs/42

    Last lines of the log:
    ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

PREFIX = "[tickwork]"
# What the title says happened, by event.
SAID = {
    "started": "started",
    "succeeded": "succeeded",
    "failed": "failed",
    "timeout": "timed out",
    "recovered": "succeeded again after a failure",
    "retries_exhausted": "failed, no retries left",
    "missed": "missed its run",
    "stuck": "is stuck",
}
DIGEST_LINES = 50
REPORT = "report"  # a message about no run: its row holds the title and text to send


@dataclass(frozen=True)
class Note:
    """One outbox row, as the renderer needs it."""

    event: str
    run_id: int | None
    body: dict[str, Any]


def render(note: Note, page_url: str) -> tuple[str, str]:
    """The (title, body) of one notification."""
    facts = note.body
    if note.event == REPORT:  # written whole by its maker (notify/weekly_report.py)
        return str(facts.get("title", "")), str(facts.get("text", ""))
    name = str(facts.get("schedule_name") or "a schedule")
    return f"{PREFIX} {headline(note, name)}", "\n".join(_lines(note, name, page_url))


def headline(note: Note, name: str) -> str:
    said = SAID.get(note.event, note.event)
    if note.event == "failed" and note.body.get("status") == "lost":
        said = "was lost (tickwork stopped while it ran)"
    if note.run_id is None:
        return f"{name} {said}"
    return f"{name}: run #{note.run_id} {said}"


def _lines(note: Note, name: str, page_url: str) -> list[str]:
    facts = note.body
    lines = [f"Schedule: {name}"]
    if note.run_id is not None:
        lines.append(f"Run: #{note.run_id}{_attempt(facts)}")
    if note.event != "started" and facts.get("status"):
        lines.append(f"Outcome: {_outcome(facts)}")
    if isinstance(facts.get("duration_seconds"), int | float):
        lines.append(f"Duration: {duration(float(facts['duration_seconds']))}")
    if facts.get("error"):
        lines.append(f"Error: {facts['error']}")
    if facts.get("message"):  # what an event without a run says (missed, stuck)
        lines.append(str(facts["message"]))
    if note.run_id is not None:
        lines.append(f"Run page: {run_link(page_url, note.run_id)}")
    tail = facts.get("output_tail")
    if isinstance(tail, str) and tail.strip():
        lines += ["", "Last lines of the log:", tail.rstrip("\n")]
    return lines


def _attempt(facts: dict[str, Any]) -> str:
    """ ", attempt 2 of 3 (retry)": which try this was, and what started it."""
    attempt, retries = facts.get("attempt"), facts.get("max_retries") or 0
    said = ""
    if isinstance(attempt, int) and (attempt > 1 or retries):
        said = f", attempt {attempt} of {retries + 1}" if retries else f", attempt {attempt}"
    trigger = facts.get("trigger")
    return f"{said} ({trigger})" if trigger else said


def _outcome(facts: dict[str, Any]) -> str:
    status = str(facts["status"])
    code = facts.get("exit_code")
    return f"{status}, exit code {code}" if code not in (None, 0) else status


def run_link(page_url: str, run_id: int) -> str:
    return f"{page_url.rstrip('/')}/runs/{run_id}"


def duration(seconds: float) -> str:
    """12.3 s, 4 min 5 s, 2 h 3 min: as a person reads a run's length."""
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{round(seconds)} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def digest(notes: Sequence[Note], channel: str, window: float, page_url: str) -> tuple[str, str]:
    """One message for a flood: a line per notification it stands for."""
    count = len(notes)
    title = f"{PREFIX} {count} more notification(s) for {channel}"
    lines = [
        f"More than the rate limit for this channel arrived within {duration(window)}; "
        f"these {count} are sent together:",
        "",
    ]
    for note in notes[:DIGEST_LINES]:
        name = str(note.body.get("schedule_name") or "a schedule")
        line = f"- {headline(note, name)}"
        if isinstance(note.body.get("duration_seconds"), int | float):
            line += f" ({duration(float(note.body['duration_seconds']))})"
        if note.run_id is not None:
            line += f" {run_link(page_url, note.run_id)}"
        lines.append(line)
    if count > DIGEST_LINES:
        lines.append(f"… and {count - DIGEST_LINES} more")
    return title, "\n".join(lines)


def probe(channel: str, page_url: str) -> tuple[str, str]:
    return (
        f"{PREFIX} test message for {channel}",
        f"This channel works: tickwork at {page_url} can reach it.",
    )
