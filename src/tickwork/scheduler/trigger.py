"""An APScheduler 3 trigger on crontab(5) semantics.

APScheduler's own CronTrigger numbers weekdays from Monday and has its own DST rules, so we
hand it fire times from tickwork.cron instead (cronsim underneath).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

from tickwork import cron


class CrontabTrigger(BaseTrigger):  # type: ignore[misc]
    """Fires `lead` before each cron instant (the instant is claimed then and its run waits
    for it, see Settings.fire_lead_seconds); with no lead, at the instant."""

    def __init__(self, expression: str, timezone: ZoneInfo, lead: timedelta = timedelta(0)) -> None:
        self.expression = expression
        self.timezone = timezone
        self.lead = lead

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        # From the previous fire when there is one, so none is skipped between two fires;
        # APScheduler's misfire grace decides what to do with fires that are already late.
        # An instant less than `lead` away comes out in the past: APScheduler fires it now.
        after = previous_fire_time + self.lead if previous_fire_time else now
        instant = cron.next_fire(self.expression, self.timezone, after)
        return instant - self.lead if instant is not None else None

    def __str__(self) -> str:
        return f"crontab[{self.expression} {self.timezone.key}]"

    def __repr__(self) -> str:
        return f"<CrontabTrigger {self.expression!r} {self.timezone.key}>"
