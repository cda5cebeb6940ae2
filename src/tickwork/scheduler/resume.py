"""Pauses that run out: a schedule switched off `until` a time switches itself back on then.

A housekeeping turn of the scheduler (every few seconds) finds the schedules whose
`paused_until` has passed and switches each on through the service, so the audit log
(actor "tickwork"), the scheduler's job and the page's events follow as for a person's
toggle. Each switch checks again in its own transaction: someone may have switched the
schedule on, or paused it anew, since the turn looked.
"""

from __future__ import annotations

import logging

from tickwork.service import ScheduleService
from tickwork.store import schedules
from tickwork.store.db import Outage, problem

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 5.0


class Resumer:
    def __init__(self, service: ScheduleService) -> None:
        self.service = service
        self._outage = Outage("resuming paused schedules")

    def turn(self) -> None:
        """One housekeeping turn: a store in trouble only delays it to the next turn (said
        once per outage); it must not kill the scheduler's job."""
        try:
            self.resume_due()
        except Exception as exc:
            if problem(exc) is None:
                raise
            self._outage.failed(exc)
        else:
            self._outage.over()

    def resume_due(self) -> list[str]:
        """Switch on every schedule whose pause ran out; the ids it switched on."""
        now = self.service.clock.now()
        due = self.service.store.read(lambda session: schedules.due_to_resume(session, now))
        return [schedule_id for schedule_id in due if self.service.resume_if_due(schedule_id)]
