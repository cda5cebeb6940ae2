"""When schedules fire next: `next_run` of one schedule and `upcoming` over all of them.

Pure cron arithmetic on the schedules' fields, no IO and no APScheduler, so a web process
without a scheduler of its own answers the same as one with it. Finding a next fire costs a
cronsim walk; with 10,000 schedules that walk on every request was most of the dashboard's
time, so `NextFires` keeps each schedule's next fire until it has passed or the schedule's
cron or zone changed.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Protocol

from tickwork import cron


class Timed(Protocol):
    """What the forecast reads of a schedule: a ScheduleRow, or a narrow row of its columns."""

    @property
    def id(self) -> str: ...
    @property
    def enabled(self) -> bool: ...
    @property
    def cron_schedule(self) -> str: ...
    @property
    def timezone(self) -> str: ...


@dataclass(frozen=True)
class _Known:
    expression: str
    timezone: str
    after: datetime  # computed as the first fire strictly after this instant
    fire: datetime | None  # None: the expression never fires again


class NextFires:
    """Each schedule's next fire, remembered while it is still ahead.

    An entry answers any `now` in [after, fire): the first fire after such a `now` is the same
    instant. A changed cron or zone misses by comparison, so no one has to tell the cache about
    changes; a deleted schedule's entry is dropped by `forget` or by `retain`.
    """

    def __init__(self) -> None:
        self._known: dict[str, _Known] = {}
        self._lock = threading.Lock()

    def next_after(self, row: Timed, now: datetime) -> datetime | None:
        known = self._known.get(row.id)
        if (
            known is not None
            and known.expression == row.cron_schedule
            and known.timezone == row.timezone
            and known.after <= now
            and (known.fire is None or now < known.fire)
        ):
            return known.fire
        fire = cron.next_fire(row.cron_schedule, cron.zone(row.timezone), now)
        with self._lock:
            self._known[row.id] = _Known(row.cron_schedule, row.timezone, now, fire)
        return fire

    def retain(self, ids: Iterable[str]) -> None:
        """Keep only these schedules' entries (the enabled ones): deleted ones would pile up."""
        keep = set(ids)
        with self._lock:
            for schedule_id in [i for i in self._known if i not in keep]:
                del self._known[schedule_id]

    def __len__(self) -> int:
        return len(self._known)


def next_run(
    row: Timed, now: datetime, paused: bool, known: NextFires | None = None
) -> datetime | None:
    """When `row` fires next after `now`; None while it or the whole scheduler is off."""
    if not row.enabled or paused:
        return None
    if known is not None:
        return known.next_after(row, now)
    return cron.next_fire(row.cron_schedule, cron.zone(row.timezone), now)


def upcoming(
    rows: Sequence[Timed],
    limit: int,
    paused: bool,
    now: datetime,
    known: NextFires | None = None,
) -> list[tuple[str, datetime]]:
    """The next `limit` fires after `now` over the enabled `rows`, in time order: a schedule
    firing every five minutes may fill most of the list, as it would in fact. Ties keep the
    order of `rows`.

    Only the schedules whose first fire is among the `limit` earliest first fires can have a
    fire in the answer (each of its fires comes after its first), so those few are walked
    further and the rest cost one cached lookup each.
    """
    if paused or limit <= 0:
        return []
    firsts: list[tuple[datetime, int]] = []
    for index, row in enumerate(rows):
        if row.enabled and (first := next_run(row, now, False, known)) is not None:
            firsts.append((first, index))
    chosen = sorted(index for _, index in heapq.nsmallest(limit, firsts))
    streams = [_fires(rows[index], now) for index in chosen]
    return list(islice(heapq.merge(*streams, key=lambda fire: fire[1]), limit))


def _fires(row: Timed, now: datetime) -> Iterator[tuple[str, datetime]]:
    """`row`'s fires after `now`, each named by its schedule (a function, so that every
    stream keeps its own row: a generator expression would see only the loop's last)."""
    schedule_id = row.id
    for at in cron.fire_times(row.cron_schedule, cron.zone(row.timezone), now):
        yield schedule_id, at
