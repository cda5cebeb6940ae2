"""From "this schedule should run now" to a queued run: claim, apply policy, hand over.

Cron fires and manual runs come through here. A cron fire first inserts its run with the
unique key (schedule, scheduled instant): when that insert fails another scheduler, or this
one before a restart, already took the instant and this fire does nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tickwork.auth.audit import Note
from tickwork.clock import SYSTEM, Clock
from tickwork.errors import Conflict, NotFound, ValidationFailed
from tickwork.events import EventBus
from tickwork.executor.base import Executor
from tickwork.store import lifecycle, runs
from tickwork.store.db import Store, problem
from tickwork.store.lifecycle import NewRun, RunStatus
from tickwork.store.tables import ScheduleRow
from tickwork.workflows import Registry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dispatched:
    run_id: int
    status: RunStatus
    replaced: tuple[int, ...] = ()


class Dispatcher:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        executor: Executor,
        bus: EventBus,
        clock: Clock = SYSTEM,
    ) -> None:
        self.store = store
        self.clock = clock
        self.registry = registry
        self.executor = executor
        self.bus = bus

    def fire_at(self, schedule_id: str, instant: datetime, now: datetime) -> Dispatched | None:
        """The cron fire of `schedule_id` due at `instant`; None when it was already claimed
        (or the schedule is gone or off)."""
        with self.store.session() as session:
            schedule = session.get(ScheduleRow, schedule_id)
            if schedule is None or not schedule.enabled:
                return None
            outcome = self._enqueue(session, schedule, "schedule", instant, now)
        if outcome is None:
            log.info("fire of %s at %s already claimed; nothing to do", schedule_id, instant)
            return None
        self._hand_over(outcome)
        return outcome

    def skip_fire(
        self, schedule_id: str, instant: datetime, reason: str, now: datetime
    ) -> Dispatched | None:
        """Record the fire due at `instant` as `skipped` with `reason`: it was due, it will not
        run, and the history says why. Claims the instant like a fire, so it never doubles one."""
        with self.store.session() as session:
            schedule = session.get(ScheduleRow, schedule_id)
            if schedule is None:
                return None
            outcome = self._enqueue(session, schedule, "schedule", instant, now, skip=reason)
        if outcome is not None:
            self._hand_over(outcome)
        return outcome

    def catch_up(self, schedule_id: str, instant: datetime) -> Dispatched | None:
        """One run for fires missed while no scheduler was up; `instant` is the latest of them.

        It shares the cron fires' unique key, so it never doubles a fire that did happen.
        """
        now = self.clock.now()
        with self.store.session() as session:
            schedule = session.get(ScheduleRow, schedule_id)
            if schedule is None or not schedule.enabled:
                return None
            outcome = self._enqueue(session, schedule, "catch_up", instant, now)
        if outcome is not None:
            self._hand_over(outcome)
        return outcome

    def run_now(
        self,
        schedule_id: str,
        overrides: dict[str, Any] | None = None,
        audit: Note | None = None,
    ) -> Dispatched:
        """A manual run; `overrides` replace the schedule's parameters of those names for
        this run only (checked like a schedule's, so a bad value is a 422 and no run). The
        audit entry, if any, is written with the run."""
        now = self.clock.now()

        def enqueue(session: Session) -> Dispatched:
            # One unit of work with its audit entry; tried again if the connection broke
            # before COMMIT (Store.transact), so a lost connection queues no twin run.
            schedule = session.get(ScheduleRow, schedule_id)
            if schedule is None:
                raise NotFound(f"no schedule {schedule_id}")
            merged = self._overridden(schedule, overrides) if overrides else None
            outcome = self._enqueue(session, schedule, "manual", now, now, merged=merged)
            assert outcome is not None  # manual runs claim no key
            detail: dict[str, Any] = {"run_id": outcome.run_id, "status": outcome.status.value}
            if merged is not None:
                # Names only: a value may be something the audit log should not keep.
                detail["overridden_parameters"] = sorted(merged.overridden)
            if audit is not None:
                audit.add(session, schedule_id, name=schedule.name, **detail)
            return outcome

        outcome = self.store.transact(enqueue)
        self._hand_over(outcome)
        return outcome

    def _overridden(self, schedule: ScheduleRow, overrides: dict[str, Any]) -> _Overridden:
        workflow = self.registry.get(schedule.workflow_type)
        merged = workflow.validate({**schedule.parameters, **overrides})
        return _Overridden(merged, {k: merged.get(k) for k in overrides})

    def cancel(self, run_id: int, reason: str = "cancelled") -> None:
        """End a queued or running run as `cancelled`, with `reason` as its error."""
        # Write first, read only to explain a refusal: a queued run is cancelled by the
        # conditional update; one that started (even meanwhile) is stopped by its executor.
        with self.store.session() as session:
            moved = lifecycle.cancel_queued(
                session, run_id, f"{reason} before it started", self.clock.now()
            )
        if moved:
            self.bus.publish("run", action="finished", run_id=run_id)
            return
        if self.executor.stop(run_id, reason):
            return
        with self.store.reading() as session:
            run = runs.get(session, run_id)
            if run is None:
                raise NotFound(f"no run {run_id}")
            if run.status not in lifecycle.ACTIVE:
                raise Conflict(f"run {run_id} already ended: {run.status}")
        raise Conflict(f"run {run_id} is not running in this process, or already ended")

    def _enqueue(
        self,
        session: Session,
        schedule: ScheduleRow,
        trigger: str,
        instant: datetime,
        now: datetime,
        skip: str | None = None,
        merged: _Overridden | None = None,
    ) -> Dispatched | None:
        active = runs.active_for(session, schedule.id)
        status, error, command = RunStatus.QUEUED, None, []
        try:
            parameters = merged.parameters if merged else schedule.parameters
            command = self.registry.get(schedule.workflow_type).argv(parameters)
        except ValidationFailed as exc:
            status, error = RunStatus.FAILED, exc.message
        if skip is not None:
            status, error = RunStatus.SKIPPED, skip
            active = ()  # a fire that does not run replaces nothing
        if active and schedule.concurrency_policy == "forbid" and status == RunStatus.QUEUED:
            ids = ", ".join(f"#{r.id}" for r in active)
            status, error = RunStatus.SKIPPED, f"previous run {ids} still going"
        run_id = lifecycle.insert(
            session,
            NewRun(
                schedule_id=schedule.id,
                trigger=trigger,
                scheduled_for=instant,
                queued_at=now,
                command=command,
                owner=self.executor.instance,
                status=status,
                error=error,
                parameter_overrides=merged.overrides if merged else None,
            ),
        )
        if run_id is None:
            return None
        replaced = tuple(r.id for r in active) if schedule.concurrency_policy == "replace" else ()
        log.info("%s run %s of %s (%s): %s", trigger, run_id, schedule.name, schedule.id, status)
        return Dispatched(run_id, status, replaced)

    def _hand_over(self, outcome: Dispatched) -> None:
        """Start what was committed, then stop what it replaces. In this order: the run is in
        the store already, and a failure while cancelling must not leave it queued for ever
        (a retry of the fire would find its instant claimed and hand nothing over)."""
        if outcome.status == RunStatus.QUEUED:
            self.executor.submit(outcome.run_id)
        self.bus.publish(
            "run",
            action="queued" if outcome.status == RunStatus.QUEUED else "finished",
            run_id=outcome.run_id,
        )
        for old in outcome.replaced:
            try:
                self.cancel(old, f"replaced by run #{outcome.run_id}")
            except Conflict:
                pass  # it ended meanwhile
            except Exception as exc:
                if problem(exc) is None:
                    raise
                log.warning("run %s could not be stopped for run %s: %s", old, outcome.run_id, exc)


@dataclass(frozen=True)
class _Overridden:
    parameters: dict[str, Any]  # the schedule's, with the overrides applied and checked
    overrides: dict[str, Any]  # the overridden names with their checked values

    @property
    def overridden(self) -> list[str]:
        return list(self.overrides)
