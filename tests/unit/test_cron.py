"""Cron semantics against the calendar: crontab(5) as Debian cron runs it, in the schedule's zone.

Every expected instant is written by hand with its offset, so the zone and the side of a
daylight-saving change are visible in the test itself.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tickwork import cron
from tickwork.errors import ValidationFailed

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
TOKYO = "Asia/Tokyo"
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def fires(expression: str, zone_name: str, after: str, count: int) -> list[str]:
    """The next `count` fires after `after`, as ISO strings in the schedule's own zone."""
    tz = ZoneInfo(zone_name)
    result = cron.next_fires(expression, tz, datetime.fromisoformat(after), count)
    assert all(instant.tzinfo is UTC for instant in result)
    return [instant.astimezone(tz).isoformat() for instant in result]


def fires_on(expression: str, zone_name: str, day: str) -> list[str]:
    """All fires on the local calendar day `day` (YYYY-MM-DD)."""
    # A second before local midnight, which no daylight-saving change here comes near.
    just_before = datetime.fromisoformat(f"{day}T00:00:00").replace(tzinfo=ZoneInfo(zone_name))
    just_before -= timedelta(seconds=1)
    # 60 fires cover an every-30-minutes job on a 25-hour day with room to spare.
    found = fires(expression, zone_name, just_before.isoformat(), 60)
    return [f for f in found if f.startswith(day)]


def days_named(text: str) -> set[str]:
    return {day for day in DAY_NAMES if day in text}


# The seed's calendars


def test_weekday_hourly_goes_from_friday_23_00_to_monday_08_00():
    got = fires("0 8-23 * * 1-5", BERLIN, "2026-06-05T20:30:00+02:00", 4)
    assert got == [
        "2026-06-05T21:00:00+02:00",
        "2026-06-05T22:00:00+02:00",
        "2026-06-05T23:00:00+02:00",
        "2026-06-08T08:00:00+02:00",  # Monday: nothing on Saturday 6th or Sunday 7th
    ]


def test_weekday_hourly_fires_16_times_each_weekday_of_a_whole_week():
    got = fires("0 8-23 * * 1-5", BERLIN, "2026-06-05T23:00:00+02:00", 81)
    week, following_monday = got[:80], got[80]
    assert Counter(f[:10] for f in week) == {
        "2026-06-08": 16,
        "2026-06-09": 16,
        "2026-06-10": 16,
        "2026-06-11": 16,
        "2026-06-12": 16,
    }
    assert sorted({f[11:] for f in week}) == [f"{h:02d}:00:00+02:00" for h in range(8, 24)]
    assert week[-1] == "2026-06-12T23:00:00+02:00"
    assert following_monday == "2026-06-15T08:00:00+02:00"


def test_weekend_three_times_a_day_fires_saturday_and_sunday_then_next_saturday():
    assert fires("0 9,15,21 * * 6,0", BERLIN, "2026-06-05T12:00:00+02:00", 7) == [
        "2026-06-06T09:00:00+02:00",
        "2026-06-06T15:00:00+02:00",
        "2026-06-06T21:00:00+02:00",
        "2026-06-07T09:00:00+02:00",
        "2026-06-07T15:00:00+02:00",
        "2026-06-07T21:00:00+02:00",
        "2026-06-13T09:00:00+02:00",
    ]


def test_instants_are_returned_in_utc():
    got = cron.next_fires(
        "0 8-23 * * 1-5", ZoneInfo(BERLIN), datetime(2026, 6, 5, 18, tzinfo=UTC), 2
    )
    assert got == [datetime(2026, 6, 5, 19, tzinfo=UTC), datetime(2026, 6, 5, 20, tzinfo=UTC)]
    assert all(instant.tzinfo is UTC for instant in got)


# Weekday and month numbering, names, ranges and steps


@pytest.mark.parametrize("dow", ["0", "7", "sun", "SUN", "Sun"])
def test_it_reads_0_7_and_sun_as_sunday(dow):
    assert fires(f"0 12 * * {dow}", BERLIN, "2026-06-01T00:00:00+02:00", 2) == [
        "2026-06-07T12:00:00+02:00",
        "2026-06-14T12:00:00+02:00",
    ]


@pytest.mark.parametrize("dow", ["1-5", "mon-fri", "MON-FRI", "1,2,3,4,5"])
def test_it_reads_monday_to_friday_in_numbers_and_names(dow):
    assert fires(f"0 12 * * {dow}", BERLIN, "2026-06-06T00:00:00+02:00", 6) == [
        "2026-06-08T12:00:00+02:00",
        "2026-06-09T12:00:00+02:00",
        "2026-06-10T12:00:00+02:00",
        "2026-06-11T12:00:00+02:00",
        "2026-06-12T12:00:00+02:00",
        "2026-06-15T12:00:00+02:00",
    ]


def test_it_reads_mon_as_monday():
    assert fires("0 12 * * MON", BERLIN, "2026-06-02T00:00:00+02:00", 2) == [
        "2026-06-08T12:00:00+02:00",
        "2026-06-15T12:00:00+02:00",
    ]


def test_it_reads_wed_as_wednesday():
    assert fires("0 12 * * WED", BERLIN, "2026-06-01T00:00:00+02:00", 2) == [
        "2026-06-03T12:00:00+02:00",
        "2026-06-10T12:00:00+02:00",
    ]


def test_it_reads_1_to_7_as_every_day():
    got = fires("0 12 * * 1-7", BERLIN, "2026-06-01T00:00:00+02:00", 7)
    assert [f[:10] for f in got] == [f"2026-06-{d:02d}" for d in range(1, 8)]


def test_it_reads_month_names():
    assert fires("0 12 1 jan *", BERLIN, "2026-06-01T00:00:00+02:00", 2) == [
        "2027-01-01T12:00:00+01:00",
        "2028-01-01T12:00:00+01:00",
    ]
    assert fires("0 0 1 JUL *", BERLIN, "2026-06-01T00:00:00+02:00", 1) == [
        "2026-07-01T00:00:00+02:00"
    ]


def test_it_steps_minutes_every_15():
    assert fires("*/15 9 * * *", BERLIN, "2026-06-01T00:00:00+02:00", 5) == [
        "2026-06-01T09:00:00+02:00",
        "2026-06-01T09:15:00+02:00",
        "2026-06-01T09:30:00+02:00",
        "2026-06-01T09:45:00+02:00",
        "2026-06-02T09:00:00+02:00",
    ]


def test_it_steps_through_a_range_of_hours():
    assert fires("0 8-23/5 * * *", BERLIN, "2026-06-01T00:00:00+02:00", 5) == [
        "2026-06-01T08:00:00+02:00",
        "2026-06-01T13:00:00+02:00",
        "2026-06-01T18:00:00+02:00",
        "2026-06-01T23:00:00+02:00",
        "2026-06-02T08:00:00+02:00",
    ]


def test_it_steps_over_the_whole_week_from_sunday():
    # `*` in day-of-week is 0-7, so `*/2` is Sunday, Tuesday, Thursday, Saturday.
    got = fires("0 12 * * */2", BERLIN, "2026-06-01T00:00:00+02:00", 4)
    assert [f[:10] for f in got] == ["2026-06-02", "2026-06-04", "2026-06-06", "2026-06-07"]


# The day-of-month / day-of-week rule


def test_friday_the_13th_expression_fires_on_every_13th_and_every_friday():
    assert fires("0 0 13 * 5", BERLIN, "2026-04-01T00:00:00+02:00", 6) == [
        "2026-04-03T00:00:00+02:00",  # Friday
        "2026-04-10T00:00:00+02:00",  # Friday
        "2026-04-13T00:00:00+02:00",  # Monday the 13th
        "2026-04-17T00:00:00+02:00",
        "2026-04-24T00:00:00+02:00",
        "2026-05-01T00:00:00+02:00",
    ]


def test_with_star_day_of_week_only_the_day_of_month_restricts():
    assert fires("0 0 13 * *", BERLIN, "2026-04-01T00:00:00+02:00", 3) == [
        "2026-04-13T00:00:00+02:00",
        "2026-05-13T00:00:00+02:00",
        "2026-06-13T00:00:00+02:00",
    ]


def test_with_star_day_of_month_only_the_day_of_week_restricts():
    assert fires("0 0 * * 5", BERLIN, "2026-04-01T00:00:00+02:00", 3) == [
        "2026-04-03T00:00:00+02:00",
        "2026-04-10T00:00:00+02:00",
        "2026-04-17T00:00:00+02:00",
    ]


def test_a_day_field_starting_with_a_star_makes_the_days_and_as_debian_cron_does():
    # Debian cron sets DOM_STAR for any field starting with `*`: odd days that are Mondays.
    # Mondays in April 2026 are the 6th, 13th, 20th and 27th; in May the 4th, 11th, 18th, 25th.
    assert fires("0 0 */2 * 1", BERLIN, "2026-04-01T00:00:00+02:00", 4) == [
        "2026-04-13T00:00:00+02:00",
        "2026-04-27T00:00:00+02:00",
        "2026-05-11T00:00:00+02:00",
        "2026-05-25T00:00:00+02:00",
    ]


# Daylight saving: Europe/Berlin, 2026


def test_spring_forward_fixed_time_in_the_skipped_hour_runs_once_at_03_00():
    # Sun 2026-03-29 02:00 CET -> 03:00 CEST: 02:30 does not exist that day.
    assert fires("30 2 * * *", BERLIN, "2026-03-28T12:00:00+01:00", 3) == [
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T02:30:00+02:00",
        "2026-03-31T02:30:00+02:00",
    ]


def test_spring_forward_hourly_job_has_no_02_00():
    got = fires_on("0 * * * *", BERLIN, "2026-03-29")
    assert got[:3] == [
        "2026-03-29T00:00:00+01:00",
        "2026-03-29T01:00:00+01:00",
        "2026-03-29T03:00:00+02:00",
    ]
    assert len(got) == 23


def test_spring_forward_two_skipped_fixed_times_become_one_run_at_03_00():
    # Debian cron would start both the 02:00 and the 02:30 job at about 03:00; a run is keyed
    # by its instant, so here they are one run.
    assert fires("0,30 2 * * *", BERLIN, "2026-03-28T12:00:00+01:00", 3) == [
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T02:00:00+02:00",
        "2026-03-30T02:30:00+02:00",
    ]


def test_fall_back_fixed_time_in_the_repeated_hour_runs_once():
    # Sun 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 happens twice, the job runs in the first.
    assert fires("30 2 * * *", BERLIN, "2026-10-24T12:00:00+02:00", 2) == [
        "2026-10-25T02:30:00+02:00",
        "2026-10-26T02:30:00+01:00",
    ]


def test_fall_back_wildcard_hour_job_runs_in_both_copies_of_the_hour():
    # Debian cron: jobs with `*` in the hour or minute field run on the new time at once.
    assert fires_on("*/30 * * * *", BERLIN, "2026-10-25")[3:9] == [
        "2026-10-25T01:30:00+02:00",
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:00:00+01:00",
        "2026-10-25T02:30:00+01:00",
        "2026-10-25T03:00:00+01:00",
    ]
    assert len(fires_on("*/30 * * * *", BERLIN, "2026-10-25")) == 50


def test_fall_back_hourly_job_fires_25_times():
    got = fires_on("0 * * * *", BERLIN, "2026-10-25")
    assert "2026-10-25T02:00:00+02:00" in got
    assert "2026-10-25T02:00:00+01:00" in got
    assert len(got) == 25


def test_restart_in_the_second_copy_of_the_hour_does_not_repeat_a_fixed_time_job():
    # The scheduler asks again at 02:15 CET, after 02:30 CEST has already fired.
    assert fires("30 2 * * *", BERLIN, "2026-10-25T02:15:00+01:00", 1) == [
        "2026-10-26T02:30:00+01:00"
    ]


def test_restart_in_the_second_copy_of_the_hour_continues_a_wildcard_job():
    assert fires("*/30 * * * *", BERLIN, "2026-10-25T02:15:00+01:00", 2) == [
        "2026-10-25T02:30:00+01:00",
        "2026-10-25T03:00:00+01:00",
    ]


# Daylight saving elsewhere: the schedule's own zone is used


def test_new_york_spring_forward_fixed_time_runs_at_03_00_edt():
    # Sun 2026-03-08 02:00 EST -> 03:00 EDT.
    assert fires("30 2 * * *", NEW_YORK, "2026-03-07T12:00:00-05:00", 2) == [
        "2026-03-08T03:00:00-04:00",
        "2026-03-09T02:30:00-04:00",
    ]


def test_new_york_fall_back_fixed_time_runs_once_and_wildcard_twice():
    # Sun 2026-11-01 02:00 EDT -> 01:00 EST: 01:00-02:00 happens twice.
    assert fires("30 1 * * *", NEW_YORK, "2026-10-31T12:00:00-04:00", 2) == [
        "2026-11-01T01:30:00-04:00",
        "2026-11-02T01:30:00-05:00",
    ]
    assert fires("*/30 * * * *", NEW_YORK, "2026-11-01T00:45:00-04:00", 5) == [
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T01:00:00-05:00",
        "2026-11-01T01:30:00-05:00",
        "2026-11-01T02:00:00-05:00",
    ]


def test_tokyo_has_no_daylight_saving_on_berlins_change_day():
    assert fires("30 2 * * *", TOKYO, "2026-03-28T12:00:00+09:00", 2) == [
        "2026-03-29T02:30:00+09:00",
        "2026-03-30T02:30:00+09:00",
    ]


def test_the_same_expression_fires_at_different_instants_in_different_zones():
    after = datetime(2026, 6, 1, tzinfo=UTC)
    assert cron.next_fire("0 9 * * *", ZoneInfo(TOKYO), after) == datetime(
        2026, 6, 2, 0, 0, tzinfo=UTC
    )
    assert cron.next_fire("0 9 * * *", ZoneInfo(BERLIN), after) == datetime(
        2026, 6, 1, 7, 0, tzinfo=UTC
    )
    assert cron.next_fire("0 9 * * *", ZoneInfo(NEW_YORK), after) == datetime(
        2026, 6, 1, 13, 0, tzinfo=UTC
    )


# next_fires and latest_fire


def test_next_fires_returns_exactly_count_instants():
    after = datetime(2026, 6, 1, tzinfo=UTC)
    assert len(cron.next_fires("* * * * *", ZoneInfo(BERLIN), after, 7)) == 7
    assert cron.next_fires("* * * * *", ZoneInfo(BERLIN), after, 0) == []


def test_next_fires_are_strictly_after_an_exact_fire_instant():
    assert fires("0 8-23 * * 1-5", BERLIN, "2026-06-08T08:00:00+02:00", 1) == [
        "2026-06-08T09:00:00+02:00"
    ]


def test_next_fires_are_strictly_after_a_point_between_seconds():
    assert fires("* * * * *", BERLIN, "2026-06-08T07:59:59.500000+02:00", 2) == [
        "2026-06-08T08:00:00+02:00",
        "2026-06-08T08:01:00+02:00",
    ]


def test_latest_fire_counts_an_exact_hit_as_at_or_before():
    at = datetime.fromisoformat("2026-06-08T08:00:00+02:00")
    assert cron.latest_fire("0 8-23 * * 1-5", ZoneInfo(BERLIN), at) == at


@pytest.mark.parametrize("late", ["08:00:00.250000", "08:00:07", "08:59:59"])
def test_latest_fire_maps_a_late_fire_to_its_instant(late):
    at = datetime.fromisoformat(f"2026-06-08T{late}+02:00")
    got = cron.latest_fire("0 8-23 * * 1-5", ZoneInfo(BERLIN), at)
    assert got is not None and got.tzinfo is UTC
    assert got.astimezone(ZoneInfo(BERLIN)).isoformat() == "2026-06-08T08:00:00+02:00"


def test_latest_fire_before_monday_morning_is_friday_night():
    at = datetime.fromisoformat("2026-06-08T07:59:59+02:00")
    got = cron.latest_fire("0 8-23 * * 1-5", ZoneInfo(BERLIN), at)
    assert got is not None
    assert got.astimezone(ZoneInfo(BERLIN)).isoformat() == "2026-06-05T23:00:00+02:00"


def test_latest_fire_across_spring_forward_finds_the_03_00_run():
    at = datetime.fromisoformat("2026-03-29T03:00:05+02:00")
    got = cron.latest_fire("30 2 * * *", ZoneInfo(BERLIN), at)
    assert got is not None
    assert got.astimezone(ZoneInfo(BERLIN)).isoformat() == "2026-03-29T03:00:00+02:00"


def test_latest_fire_in_the_second_copy_of_the_hour_finds_the_first_copy_run():
    at = datetime.fromisoformat("2026-10-25T02:31:00+01:00")
    fixed = cron.latest_fire("30 2 * * *", ZoneInfo(BERLIN), at)
    wildcard = cron.latest_fire("*/30 * * * *", ZoneInfo(BERLIN), at)
    assert fixed is not None and wildcard is not None
    assert fixed.astimezone(ZoneInfo(BERLIN)).isoformat() == "2026-10-25T02:30:00+02:00"
    assert wildcard.astimezone(ZoneInfo(BERLIN)).isoformat() == "2026-10-25T02:30:00+01:00"


# validate


@pytest.mark.parametrize("expression", ["0 0 30 2 *", "0 0 31 4 *", "0 0 31 2,4 *"])
def test_it_rejects_days_that_never_come(expression):
    with pytest.raises(ValidationFailed) as caught:
        cron.validate(expression)
    assert caught.value.errors[0].field == "cron_schedule"


def test_it_rejects_30_february():
    with pytest.raises(ValidationFailed, match="cron_schedule"):
        cron.validate("0 0 30 2 *")


@pytest.mark.parametrize(
    "expression",
    ["60 * * * *", "* 24 * * *", "* * 0 * *", "* * 32 * *", "* * * 13 *", "* * * 0 *", "* * * * 8"],
)
def test_it_rejects_values_out_of_range(expression):
    with pytest.raises(ValidationFailed) as caught:
        cron.validate(expression)
    assert caught.value.errors[0].field == "cron_schedule"


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "   ",
        "garbage",
        "every day at noon",
        "0 0 * * * *",
        "0 0 0 * * * *",
        "@daily",
        "@reboot",
        "5-1 * * * *",
        "*/0 * * * *",
        "0 0 * * mon-",
        "0 0 * * funday",
    ],
)
def test_it_rejects_garbage_and_non_five_field_forms(expression):
    with pytest.raises(ValidationFailed) as caught:
        cron.validate(expression)
    assert [e.field for e in caught.value.errors] == ["cron_schedule"]
    assert "cron_schedule" in str(caught.value)


@pytest.mark.parametrize(
    "expression",
    [
        "0 0 L * *",
        "0 0 l * *",
        "0 0 LW * *",
        "0 0 * * 5L",
        "0 0 * * 5l",
        "0 0 * * 1#2",
        "0 0 ? * *",
    ],
)
def test_it_rejects_extensions_that_crontab_does_not_have(expression):
    with pytest.raises(ValidationFailed, match="cron_schedule"):
        cron.validate(expression)


@pytest.mark.parametrize(
    "expression", ["0 12 * JUL WED", "0 12 * jul wed", "0 12 * * sat,sun", "0 12 1 APR *"]
)
def test_it_accepts_month_and_day_names_in_any_case(expression):
    assert cron.validate(expression) == expression


def test_it_normalises_whitespace():
    assert cron.validate("  0\t8-23  * *   1-5 \n") == "0 8-23 * * 1-5"


def test_it_names_the_field_it_was_given():
    with pytest.raises(ValidationFailed) as caught:
        cron.validate("61 * * * *", field="expression")
    assert caught.value.errors[0].field == "expression"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("61 * * * *", "minute 61 is out of range 0-59"),
        ("* 24 * * *", "hour 24 is out of range 0-23"),
        ("* * 0 * *", "day-of-month 0 is out of range 1-31"),
        ("* * * 13 *", "month 13 is out of range 1-12"),
        ("* * * * 8", "day-of-week 8 is out of range 0-7"),
        ("0-61/5 * * * *", "minute 61 is out of range 0-59"),
        ("5-1 * * * *", "minute range 5-1 runs backwards: write 1-5"),
        ("*/0 * * * *", "minute step '0' must be a whole number of at least 1"),
        ("a * * * *", "minute 'a' is not a number"),
        ("0 0 * foo *", "month 'foo' is not a number or one of jan-dec"),
        ("0 0 * * funday", "day-of-week 'funday' is not a number or one of sun-sat"),
        ("0 0 * * mon-", "day-of-week has an empty value"),
        ("1,,2 * * * *", "minute has an empty value"),
        ("61 25 * * *", "minute 61 is out of range 0-59; hour 25 is out of range 0-23"),
        ("\u00b2 * * * *", "minute '\u00b2' is not a number"),
    ],
)
def test_it_says_which_field_and_value_is_wrong_and_the_allowed_range(expression, message):
    with pytest.raises(ValidationFailed) as caught:
        cron.validate(expression)
    assert caught.value.errors[0].message == message


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 0 30 2 *", "never fires: February has no 30th"),
        ("0 0 30,31 feb *", "never fires: February has no 30th or 31st"),
        ("0 0 31 4,6 *", "never fires: April and June have no 31st"),
        ("0 0 31 2-6/2 *", "never fires: February, April and June have no 31st"),
        ("0 0 30 2 */2", "never fires: February has no 30th"),
    ],
)
def test_it_says_an_expression_that_parses_never_fires(expression, message):
    with pytest.raises(ValidationFailed) as caught:
        cron.validate(expression)
    assert caught.value.errors[0].message == message


@pytest.mark.parametrize("expression", ["0 0 29 2 *", "0 0 30 2 1", "0 0 31 */2 *"])
def test_it_accepts_days_that_come_in_leap_years_or_on_a_weekday(expression):
    assert cron.validate(expression) == expression


# describe


def test_it_describes_the_weekday_hourly_template():
    text = cron.describe("0 8-23 * * 1-5")
    assert "08:00" in text and "23:59" in text
    assert "Monday through Friday" in text
    assert days_named(text) == {"Monday", "Friday"}


def test_it_describes_the_weekend_template():
    text = cron.describe("0 9,15,21 * * 6,0")
    assert all(t in text for t in ("09:00", "15:00", "21:00"))
    assert days_named(text) == {"Saturday", "Sunday"}


def test_it_describes_the_daily_template_without_weekdays():
    text = cron.describe("0 7 * * *")
    assert "07:00" in text
    assert days_named(text) == set()


@pytest.mark.parametrize("expression", ["0 2 * * 0", "0 2 * * 7", "0 2 * * sun"])
def test_it_describes_0_and_7_as_sunday(expression):
    text = cron.describe(expression)
    assert "02:00" in text
    assert days_named(text) == {"Sunday"}


def test_it_describes_1_to_7_as_monday_to_sunday():
    text = cron.describe("0 0 * * 1-7")
    assert "Monday through" in text
    assert "Sunday" in text
    assert "only on Sunday" not in text


def test_it_describes_6_to_7_as_saturday_and_sunday():
    text = cron.describe("0 0 * * 6-7")
    assert days_named(text) == {"Saturday", "Sunday"}
    assert "Saturday through Saturday" not in text


def test_it_describes_7_to_7_as_sunday():
    assert days_named(cron.describe("0 0 * * 7-7")) == {"Sunday"}


def test_it_names_sunday_once_for_0_and_7():
    assert cron.describe("0 0 * * 0,7").count("Sunday") == 1


def test_it_describes_the_day_or_rule_as_an_or():
    text = cron.describe("0 0 13 * 5")
    assert "13" in text and "Friday" in text
    assert " or " in text


def test_it_does_not_describe_an_and_of_the_days_as_an_or():
    text = cron.describe("0 0 */2 * 1")
    assert "Monday" in text
    assert " or " not in text


def test_it_keeps_weekdays_in_the_description_when_0_to_7_meets_a_day_of_month():
    # `0 0 13 * 0-7` fires every day (the OR rule), so it cannot read as "on day 13" only.
    text = cron.describe("0 0 13 * 0-7")
    assert "Sunday" in text


# zone


def test_it_accepts_iana_zone_names():
    assert cron.zone("Europe/Berlin") == ZoneInfo("Europe/Berlin")
    assert cron.zone("Asia/Tokyo").key == "Asia/Tokyo"


@pytest.mark.parametrize(
    "name",
    ["+02:00", "UTC+2", "../etc/passwd", "/usr/share/zoneinfo/Europe/Berlin", "Mars/Olympus", ""],
)
def test_it_refuses_what_is_not_an_iana_zone(name):
    with pytest.raises(ValidationFailed) as caught:
        cron.zone(name)
    assert caught.value.errors[0].field == "timezone"


def test_it_names_the_zone_field_it_was_given():
    with pytest.raises(ValidationFailed) as caught:
        cron.zone("Nowhere/Town", field="schedules.0.timezone")
    assert caught.value.errors[0].field == "schedules.0.timezone"
