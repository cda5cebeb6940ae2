"""Cron maths: validation, description and fire times, following crontab(5) in a time zone.

Pure functions over aware datetimes, no IO: the scheduler, the API and the tests share them.
cronsim does the calendar work because it promises to match Debian's cron, including
daylight-saving changes as cronie makes them: a job whose minute or hour field starts with `*`
follows the clock (both copies of a repeated hour, nothing in a skipped one); a job at fixed
times runs once per time (once in a repeated hour, once right after a skipped one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from itertools import islice
from zoneinfo import ZoneInfo, available_timezones

from cron_descriptor import Options, get_description
from cronsim import CronSim, CronSimError

from tickwork.errors import ValidationFailed

MAX_PREVIEW = 100
# Month and weekday names are taken away before looking for the `L`/`W`/`#`/`?` extensions,
# which cronsim reads in any case: `WED` and `JUL` are standard, `l` and `5l` are not.
_NAMES = re.compile(r"JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT")


# In the zone database's directory but not places: `localtime` is whatever the machine is set
# to (a schedule would move with the server), `Factory` is "local time zone must be set".
NOT_LOCATIONS = frozenset({"localtime", "Factory", "posixrules"})


@cache
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - NOT_LOCATIONS


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone called `name`; anything else (offsets, paths, typos) is refused."""
    if name not in known_zones():
        raise ValidationFailed.one(field, f"unknown time zone {name!r}: use an IANA name")
    return ZoneInfo(name)


def normalize(expression: str) -> str:
    return " ".join(expression.split())


def validate(expression: str, field: str = "cron_schedule") -> str:
    """The expression with its spacing tidied, or a ValidationFailed saying what is wrong.

    Only the five standard fields are accepted: cronsim also takes `@daily` style aliases and
    `L`/`#` extensions that crontab(5) does not have, and users copying to a real crontab
    should not be surprised.
    """
    expr = normalize(expression)
    fields = expr.split(" ")
    if len(fields) != 5:
        raise ValidationFailed.one(
            field,
            f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}",
        )
    if any(ch in "LW#?" for ch in _NAMES.sub("", expr.upper())):
        raise ValidationFailed.one(field, "only standard crontab(5) syntax is supported")
    problems = [p for spec, text in zip(_FIELDS, fields, strict=True) for p in spec.problems(text)]
    if not problems:
        problems = _never_fires(fields)
    if problems:
        raise ValidationFailed.one(field, "; ".join(problems))
    try:
        CronSim(expr, datetime(2000, 1, 1, tzinfo=UTC))
    except CronSimError as exc:
        raise ValidationFailed.one(field, f"invalid cron expression: {exc}") from None
    return expr


@dataclass(frozen=True)
class _Field:
    """One of the five crontab fields, so a message can name it and its allowed range."""

    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # `jan`..., `sun`...: index + low is the value

    def problems(self, text: str) -> list[str]:
        return [p for item in text.split(",") if (p := self._item_problem(item))]

    def _item_problem(self, item: str) -> str | None:
        span, _, step = item.partition("/")
        if "/" in item and not (_is_number(step) and int(step) > 0):
            return f"{self.name} step {step!r} must be a whole number of at least 1"
        if span == "*":
            return None
        ends = span.split("-")
        if len(ends) > 2:
            return f"{self.name} range {span!r} has more than one '-'"
        values = [self._value(end) for end in ends]
        for end, value in zip(ends, values, strict=True):
            if isinstance(value, str):
                return value
            if not self.low <= value <= self.high:
                return f"{self.name} {end} is out of range {self.low}-{self.high}"
        if len(values) == 2 and values[0] > values[1]:  # type: ignore[operator]
            return f"{self.name} range {span} runs backwards: write {ends[1]}-{ends[0]}"
        return None

    def _value(self, text: str) -> int | str:
        """The number `text` stands for, or a message saying why it stands for none."""
        if _is_number(text):
            return int(text)
        if text.lower() in self.names:
            return self.names.index(text.lower()) + self.low
        if not text:
            return f"{self.name} has an empty value"
        kind = f"a number or one of {self.names[0]}-{self.names[-1]}" if self.names else "a number"
        return f"{self.name} {text!r} is not {kind}"


def _is_number(text: str) -> bool:
    # ASCII only: str.isdigit() also takes "²", which int() refuses.
    return text.isascii() and text.isdigit()


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_FIELDS = (
    _Field("minute", 0, 59),
    _Field("hour", 0, 23),
    _Field("day-of-month", 1, 31),
    _Field("month", 1, 12, _MONTHS),
    _Field("day-of-week", 0, 7, ("sun", "mon", "tue", "wed", "thu", "fri", "sat")),
)
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# February counts its leap day: `0 0 29 2 *` fires, every four years.
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _never_fires(fields: list[str]) -> list[str]:
    """Why days and months that parse can never meet (`30 2`), or nothing.

    Only when the day-of-week does not rescue them: a restricted weekday is ORed with the
    day of the month (`0 0 30 2 1` fires on Mondays in February), unless either starts with
    `*`, which makes cron AND them.
    """
    dom, month, dow = fields[2], fields[3], fields[4]
    if dom.startswith("*") or not dow.startswith("*"):
        return []
    days = _members(dom, _FIELDS[2])
    months = _members(month, _FIELDS[3])
    if any(min(days) <= _MONTH_DAYS[m - 1] for m in months):
        return []
    names = [_MONTH_NAMES[m - 1] for m in sorted(months)]
    ordinals = " or ".join(_ordinal(d) for d in sorted(days)[:3])
    if len(names) == 1:
        return [f"never fires: {names[0]} has no {ordinals}"]
    return [f"never fires: {', '.join(names[:-1])} and {names[-1]} have no {ordinals}"]


def _members(text: str, spec: _Field) -> set[int]:
    """The values a field that passed `_Field.problems` stands for."""
    found: set[int] = set()
    for item in text.split(","):
        span, _, step = item.partition("/")
        if span == "*":
            low, high = spec.low, spec.high
        else:
            ends = [spec._value(end) for end in span.split("-")]
            low, high = int(ends[0]), int(ends[-1])
            if step and len(ends) == 1:
                high = spec.high  # `5/15` runs from 5 to the end of the range
        found.update(range(low, high + 1, int(step or 1)))
    return found


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


@lru_cache(maxsize=4096)
def describe(expression: str) -> str:
    """A sentence for people; weekday numbers follow crontab(5), 0 and 7 both Sunday.

    Cached: cron-descriptor loads its locale on every call (1.5 ms), and a page of schedules
    asks for the same few expressions again and again."""
    options = Options()
    options.use_24hour_time_format = True
    options.day_of_week_start_index_zero = True
    # cron-descriptor numbers weekdays 0-6 only, so give it Sunday as 0.
    fields = normalize(expression).split(" ")
    if len(fields) != 5:
        return str(get_description(" ".join(fields), options))
    fields[4] = _sunday_as_zero(fields[4])
    text = str(get_description(" ".join(fields), options))
    if fields[2] != "*" and fields[2].startswith("*") and fields[4] != "*":
        # cron ANDs the day fields when either starts with `*` (`*/2`), which cron-descriptor
        # words as an OR.
        text = text.replace(", or on ", ", only on ")
    return text


def _sunday_as_zero(dow: str) -> str:
    parts: list[str] = []
    for part in dow.split(","):
        if part == "7":
            part = "0"
        elif part.endswith("-7") and "/" not in part:
            start = part[:-2]
            # Never `*`: a restricted day-of-week still ORs with a restricted day-of-month.
            part = {"0": "0-6", "7": "0", "6": "6,0"}.get(start, f"{start}-6,0")
        parts.extend(p for p in part.split(",") if p not in parts)
    return ",".join(parts)


def fire_times(expression: str, tz: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Fire instants strictly after `after`, in UTC, for ever (the caller slices)."""
    start = after.astimezone(tz)
    for local in CronSim(expression, start):
        instant = local.astimezone(UTC)
        # cronsim walks fixed-time jobs in naive wall time, so a start in the second copy of a
        # repeated hour can yield the first copy again, which is before `after`.
        if instant > after:
            yield instant


@lru_cache(maxsize=16384)
def next_fire(expression: str, tz: ZoneInfo, after: datetime) -> datetime | None:
    """The first fire strictly after `after`. Cached: when a hundred schedules with one
    expression fire together, APScheduler asks each one's trigger twice for the fire after
    the same instant, two hundred cron walks under the GIL while their processes wait."""
    return next(fire_times(expression, tz, after), None)


def next_fires(expression: str, tz: ZoneInfo, after: datetime, count: int) -> list[datetime]:
    return list(islice(fire_times(expression, tz, after), count))


def latest_fire(expression: str, tz: ZoneInfo, at: datetime) -> datetime | None:
    """The latest fire instant at or before `at`: which instant a (possibly late) fire is for."""
    # Fires fall on whole local minutes, so `at` and the start of its local minute have the
    # same answer; keyed on that minute, the fires of one instant share one walk.
    minute = at.astimezone(tz).replace(second=0, microsecond=0).astimezone(UTC)
    return _latest_fire(expression, tz, minute)


@lru_cache(maxsize=16384)
def _latest_fire(expression: str, tz: ZoneInfo, at: datetime) -> datetime | None:
    # cronsim's reverse walk starts strictly before its start minute; one minute of headroom
    # makes an exact hit count as "at or before".
    start = (at + timedelta(minutes=1)).astimezone(tz).replace(second=0, microsecond=0)
    for local in CronSim(expression, start, reverse=True):
        instant = local.astimezone(UTC)
        if instant <= at:
            return instant
    return None


def fires_between(
    expression: str, tz: ZoneInfo, after: datetime, at: datetime, most: int
) -> list[datetime]:
    """The latest `most` fire instants in (after, at], oldest first; walks back from `at`, so
    a long gap costs no more than `most` steps."""
    start = (at + timedelta(minutes=1)).astimezone(tz).replace(second=0, microsecond=0)
    found: list[datetime] = []
    for local in CronSim(expression, start, reverse=True):
        instant = local.astimezone(UTC)
        if instant <= after or len(found) == most:
            break
        if instant <= at and instant not in found:
            found.append(instant)
    return found[::-1]
