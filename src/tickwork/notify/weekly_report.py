"""The weekly report, sent to one notification channel (setting report_channel): once a
week, at report_weekday and report_hour (UTC), the report of the 7 days before.

Exactly once across processes and restarts: the last week sent is a stored setting, moved in
the same transaction as the outbox row is written, under the write lock. A week missed while
tickwork was down is sent when it comes back; older weeks are not (nobody wants a pile).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tickwork import reports
from tickwork.clock import Clock
from tickwork.config import Settings
from tickwork.store import outbox
from tickwork.store.db import Store
from tickwork.store.tables import ChannelRow, SettingRow

log = logging.getLogger(__name__)
SENT_KEY = "reports.weekly.sent"  # the due instant of the last week sent (ISO)
EVENT = "report"
INTERVAL_SECONDS = 300.0


def due_instant(now: datetime, weekday: int, hour: int) -> datetime:
    """The latest report_weekday at report_hour (UTC) at or before `now`."""
    now = now.astimezone(UTC)
    back = (now.weekday() - weekday) % 7
    instant = datetime.combine(now.date() - timedelta(days=back), time(hour), UTC)
    return instant if instant <= now else instant - timedelta(days=7)


class WeeklyReport:
    def __init__(self, store: Store, settings: Settings, clock: Clock) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self._warned = False

    def turn(self) -> None:
        """The scheduler's housekeeping job."""
        self.queue_due()

    def queue_due(self) -> int | None:
        """Write this week's report to the outbox if it is due and not written yet; the
        outbox row's id, or None."""
        if not self.settings.report_channel:
            return None
        due = due_instant(self.clock.now(), self.settings.report_weekday, self.settings.report_hour)
        return self.store.transact(lambda session: self._write(session, due))

    def _write(self, session: Session, due: datetime) -> int | None:
        wanted = self.settings.report_channel
        channel = session.scalars(
            select(ChannelRow).where(or_(ChannelRow.id == wanted, ChannelRow.name == wanted))
        ).first()
        if channel is None:
            if not self._warned:
                log.warning("report_channel %r names no notification channel", wanted)
                self._warned = True
            return None
        sent = session.get(SettingRow, SENT_KEY, with_for_update=True)
        if sent is not None and sent.value >= due.isoformat():
            return None
        last = due.date() - timedelta(days=1)
        report = reports.build(session, last - timedelta(days=6), last)
        title, text = reports.as_text(report, self.settings.page_url)
        row_id = outbox.enqueue_message(session, channel.id, EVENT, due, title, text)
        if sent is None:
            session.add(SettingRow(key=SENT_KEY, value=due.isoformat()))
        else:
            sent.value = due.isoformat()
        first = last - timedelta(days=6)
        log.info("weekly report of %s to %s queued for %r", first, last, channel.name)
        return row_id
