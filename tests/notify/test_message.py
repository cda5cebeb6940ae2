"""What a notification says, rendered from an outbox row's facts."""

from __future__ import annotations

from tickwork.notify import message
from tickwork.notify.message import Note

PAGE = "https://tick.example.org/"


def failed(**facts: object) -> Note:
    body = {
        "schedule_name": "Nightly report",
        "status": "failed",
        "exit_code": 3,
        "duration_seconds": 64.2,
        "error": "exited with code 3",
        "output_tail": "step 1\nstep 2\nboom",
        "attempt": 2,
        "max_retries": 2,
        "trigger": "retry",
        **facts,
    }
    return Note("failed", 42, body)


def test_it_names_schedule_run_outcome_duration_log_and_link() -> None:
    title, body = message.render(failed(), PAGE)
    assert title == "[tickwork] Nightly report: run #42 failed"
    assert body.splitlines() == [
        "Schedule: Nightly report",
        "Run: #42, attempt 2 of 3 (retry)",
        "Outcome: failed, exit code 3",
        "Duration: 1 min 4 s",
        "Error: exited with code 3",
        "Run page: https://tick.example.org/runs/42",
        "",
        "Last lines of the log:",
        "step 1",
        "step 2",
        "boom",
    ]


def test_each_event_has_its_own_words() -> None:
    titles = {
        event: message.render(Note(event, 7, {"schedule_name": "S"}), PAGE)[0]
        for event in message.SAID
    }
    assert titles["timeout"] == "[tickwork] S: run #7 timed out"
    assert titles["recovered"] == "[tickwork] S: run #7 succeeded again after a failure"
    assert titles["retries_exhausted"] == "[tickwork] S: run #7 failed, no retries left"
    assert len(set(titles.values())) == len(titles)


def test_a_lost_run_says_so() -> None:
    title, _ = message.render(failed(status="lost", exit_code=None), PAGE)
    assert title.endswith("run #42 was lost (tickwork stopped while it ran)")


def test_an_event_without_a_run_carries_its_message_and_no_link() -> None:
    note = Note("missed", None, {"schedule_name": "S", "message": "no run since 09:00"})
    title, body = message.render(note, PAGE)
    assert title == "[tickwork] S missed its run"
    assert "no run since 09:00" in body and "/runs/" not in body


def test_durations_read_as_people_say_them() -> None:
    assert [message.duration(s) for s in (0.25, 12.4, 60, 125, 3600, 7380)] == [
        "0.2 s",
        "12 s",
        "1 min",
        "2 min 5 s",
        "1 h",
        "2 h 3 min",
    ]


def test_a_digest_lists_every_notification_it_stands_for() -> None:
    notes = [Note("failed", i, {"schedule_name": f"S{i}", "duration_seconds": 1.0}) for i in (1, 2)]
    title, body = message.digest(notes, "ops", 60, PAGE)
    assert title == "[tickwork] 2 more notification(s) for ops"
    assert "- S1: run #1 failed (1.0 s) https://tick.example.org/runs/1" in body.splitlines()
    assert "- S2: run #2 failed (1.0 s) https://tick.example.org/runs/2" in body.splitlines()
