"""Next fires, cached per schedule: the same answers as cron itself, at any instant."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from tickwork.scheduler.forecast import NextFires, next_run, upcoming


@dataclass(frozen=True)
class Row:
    id: str
    cron_schedule: str
    timezone: str = "UTC"
    enabled: bool = True


NOW = datetime(2026, 12, 2, 10, 47, 30, tzinfo=UTC)


def test_a_cached_next_fire_holds_until_it_has_passed() -> None:
    known = NextFires()
    row = Row("a", "0 * * * *")
    assert next_run(row, NOW, False, known) == datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    later = datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    # At the fire itself the next one is an hour on: "after", strictly.
    assert next_run(row, later, False, known) == datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    # A clock set back asks cron again rather than trusting an answer made after it.
    assert next_run(row, NOW, False, known) == datetime(2026, 12, 2, 11, 0, tzinfo=UTC)


def test_a_changed_cron_or_zone_is_never_answered_from_the_cache() -> None:
    known = NextFires()
    row = Row("a", "0 * * * *")
    next_run(row, NOW, False, known)
    assert next_run(replace(row, cron_schedule="*/5 * * * *"), NOW, False, known) == datetime(
        2026, 12, 2, 10, 50, tzinfo=UTC
    )
    # 03:00 in Berlin is 02:00 UTC in winter.
    berlin = replace(row, cron_schedule="0 3 * * *", timezone="Europe/Berlin")
    assert next_run(berlin, NOW, False, known) == datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def test_off_or_paused_has_no_next_run() -> None:
    assert next_run(Row("a", "* * * * *", enabled=False), NOW, False) is None
    assert next_run(Row("a", "* * * * *"), NOW, True) is None


def test_upcoming_walks_only_the_earliest_schedules_and_keeps_their_order_on_ties() -> None:
    rows = [Row(f"s{i}", f"{i} 3 * * *") for i in range(30)] + [Row("x", "0 3 * * *")]
    got = upcoming(rows, 3, False, NOW, NextFires())
    at = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
    assert got == [("s0", at), ("x", at), ("s1", at.replace(minute=1))]


def test_retain_drops_the_schedules_that_are_gone() -> None:
    known = NextFires()
    for name in ("a", "b"):
        next_run(Row(name, "* * * * *"), NOW, False, known)
    known.retain(["b"])
    assert len(known) == 1
