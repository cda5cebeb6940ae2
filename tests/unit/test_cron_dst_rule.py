"""cronie's daylight-saving rule, pinned by example as the README states it: a job whose minute
or hour field starts with `*` follows the clock (it runs in both copies of a repeated hour and
not in a skipped one); a job at fixed times runs once for each of them (once in a repeated hour,
and once right after a skipped one, however many of its times the jump swallowed).

Europe/Berlin, 2026: clocks go forward on 29 March at 02:00 (to 03:00) and back on 25 October
at 03:00 (to 02:00).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tickwork import cron

BERLIN = cron.zone("Europe/Berlin")
SPRING_DAY = (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 22, 0, tzinfo=UTC))
AUTUMN_DAY = (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), datetime(2026, 10, 25, 23, 0, tzinfo=UTC))


def fires_on(day: tuple[datetime, datetime], expression: str) -> list[str]:
    start, end = day
    found = []
    for instant in cron.fire_times(expression, BERLIN, start):
        if instant >= end:
            break
        found.append(instant.astimezone(BERLIN).isoformat())
    return found


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # Wildcard minutes: the repeated hour is two hours of the clock, both run.
        (
            "*/30 2 * * *",
            [
                "2026-10-25T02:00:00+02:00",
                "2026-10-25T02:30:00+02:00",
                "2026-10-25T02:00:00+01:00",
                "2026-10-25T02:30:00+01:00",
            ],
        ),
        # The same times written out: fixed times, each once.
        ("0,30 2 * * *", ["2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00"]),
        ("30 2 * * *", ["2026-10-25T02:30:00+02:00"]),
        (
            "0,15,30,45 2 * * *",
            [f"2026-10-25T02:{m}:00+02:00" for m in ("00", "15", "30", "45")],
        ),
        (
            "*/15 2 * * *",
            [f"2026-10-25T02:{m}:00+0{o}:00" for o in (2, 1) for m in ("00", "15", "30", "45")],
        ),
    ],
)
def test_fall_back_day(expression: str, expected: list[str]) -> None:
    assert fires_on(AUTUMN_DAY, expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # Wildcard minutes: the clock never shows 02:xx, so nothing runs.
        ("*/15 2 * * *", []),
        # Fixed times swallowed by the jump: one run right after it.
        ("0,15,30,45 2 * * *", ["2026-03-29T03:00:00+02:00"]),
        ("30 2 * * *", ["2026-03-29T03:00:00+02:00"]),
    ],
)
def test_spring_forward_day(expression: str, expected: list[str]) -> None:
    assert fires_on(SPRING_DAY, expression) == expected


def test_a_wildcard_hour_job_simply_skips_the_missing_hour() -> None:
    fires = fires_on(SPRING_DAY, "*/30 * * * *")
    assert "2026-03-29T01:30:00+01:00" in fires
    assert fires[fires.index("2026-03-29T01:30:00+01:00") + 1] == "2026-03-29T03:00:00+02:00"
    assert len(fires) == 45  # 00:30 to 23:30, two an hour, less 02:00 and 02:30
