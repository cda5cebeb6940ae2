"""From "this schedule should run now" to a queued run: claim, apply policy, hand over.

Cron fires and manual runs come through here. A cron fire first inserts its run with the
unique key (schedule, scheduled instant): when that insert fails another scheduler, or this
one before a restart, already took the instant and this fire does nothing.

All fires due at one instant are claimed together (`fire_many`): one transaction reads their
schedules and active runs in two queries and writes their rows in one statement, and the queued
runs go to the executor as tickets, with everything it needs to start them unread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickwork.auth.audit import Note
from tickwork.clock import SYSTEM, Clock
from tickwork.errors import Conflict, NotFound, ValidationFailed
from tickwork.events import EventBus
from tickwork.executor import tickets
from tickwork.executor.admission import Ticket
from tickwork.executor.base import Executor
from tickwork.store import lifecycle, runs
from tickwork.store.db import Store, problem
from tickwork.store.health import HealthRecorder
from tickwork.store.lifecycle import NewRun, RunStatus
from tickwork.store.tables import RunRow, ScheduleRow
from tickwork.workflows import Registry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dispatched:
    run_id: int
    status: RunStatus
    replaced: tuple[int, ...] = ()
    ticket: Ticket | None = None  # for a queued run: what the executor needs to start it


@dataclass(frozen=True)
class Due:
    """One instant of one schedule to claim: a cron fire (or the catch-up of missed ones), or,
    with `skip`, a fire recorded `skipped` with that reason (it was due and will not run)."""

    schedule_id: str
    instant: datetime
    trigger: str = "schedule"
    skip: str | None = None


class Dispatcher:
    def __init__(
        self,
        store: Store,
        registry: Registry,
        executor: Executor,
        bus: EventBus,
        clock: Clock = SYSTEM,
        health: HealthRecorder | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        # A fire recorded failed (parameters the workflow refuses) is a final failure.
        self.health = health
        self.registry = registry
        self.executor = executor
        self.bus = bus

    def fire_many(self, dues: Sequence[Due], now: datetime) -> list[Dispatched | None]:
        """Claim every one of `dues` in one transaction and hand the queued runs to the
        executor at once; each answer (in order) is None when its instant was claimed already
        (or its schedule is gone, or off for a fire that would run)."""
        if not dues:
            return []

        def claim(session: Session) -> list[Dispatched | None]:
            return self._claim_many(session, dues, now)

        # transact: a connection lost before COMMIT claims again; the claim key keeps the
        # retry from doubling a fire that another scheduler took meanwhile.
        outcomes = self.store.transact(claim)
        self._hand_over([o for o in outcomes if o is not None])
        for due, outcome in zip(dues, outcomes, strict=True):
            if outcome is None:
                log.info(
                    "fire of %s at %s already claimed; nothing to do", due.schedule_id, due.instant
                )
        return outcomes

    def fire_at(self, schedule_id: str, instant: datetime, now: datetime) -> Dispatched | None:
        """The cron fire of `schedule_id` due at `instant`; None when it was already claimed
        (or the schedule is gone or off)."""
        return self.fire_many([Due(schedule_id, instant)], now)[0]

    def skip_fire(
        self, schedule_id: str, instant: datetime, reason: str, now: datetime
    ) -> Dispatched | None:
        """Record the fire due at `instant` as `skipped` with `reason`: it was due, it will not
        run, and the history says why. Claims the instant like a fire, so it never doubles one."""
        return self.fire_many([Due(schedule_id, instant, skip=reason)], now)[0]

    def catch_up(self, schedule_id: str, instant: datetime) -> Dispatched | None:
        """One run for fires missed while no scheduler was up; `instant` is the latest of them.

        It shares the cron fires' unique key, so it never doubles a fire that did happen.
        """
        return self.fire_many([Due(schedule_id, instant, "catch_up")], self.clock.now())[0]

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
            active = {schedule.id: list(runs.active_for(session, schedule.id))}
            plan = self._plan(schedule, "manual", now, now, active, merged=merged)
            [outcome] = self._insert(session, [plan])
            assert outcome is not None  # manual runs claim no key
            detail: dict[str, Any] = {"run_id": outcome.run_id, "status": outcome.status.value}
            if merged is not None:
                # Names only: a value may be something the audit log should not keep.
                detail["overridden_parameters"] = sorted(merged.overridden)
            if audit is not None:
                audit.add(session, schedule_id, name=schedule.name, **detail)
            return outcome

        outcome = self.store.transact(enqueue)
        self._hand_over([outcome])
        return outcome

    def _overridden(self, schedule: ScheduleRow, overrides: dict[str, Any]) -> _Overridden:
        workflow = self.registry.get(schedule.workflow_type)
        merged = workflow.validate({**schedule.parameters, **overrides})
        return _Overridden(merged, {k: merged.get(k) for k in overrides})

    def disarm(self, schedule_id: str | None) -> None:
        """Withdraw the runs armed for instants still to come (of `schedule_id`, or of every
        schedule: None) and delete their rows: the schedule changed (or the scheduler paused)
        after they were claimed. Its job, re-added by the caller, arms the instant again."""
        run_ids = self.executor.withdraw_armed(schedule_id)
        if not run_ids:
            return
        gone = self.store.transact(lambda session: lifecycle.disarm(session, run_ids))
        for run_id in gone:
            self.bus.publish("run", action="removed", run_id=run_id)
        log.info("withdrew %d armed run(s): %s", len(gone), ", ".join(f"#{i}" for i in gone))

    def cancel(self, run_id: int, reason: str = "cancelled") -> None:
        """End a queued or running run as `cancelled`, with `reason` as its error."""
        # The executor first: a run it launched may still read `queued` (its start is written
        # after the spawn, and may not get written at all when the disk is full); that one
        # is stopped, and its process's end records it. One it only held queued it drops,
        # so it cannot start while its row is cancelled here.
        held = self.executor.stop(run_id, reason)
        if held == "stopping":
            return
        with self.store.session() as session:
            moved = lifecycle.cancel_queued(
                session, run_id, f"{reason} before it started", self.clock.now()
            )
        if moved:
            self.bus.publish("run", action="finished", run_id=run_id)
            return
        with self.store.reading() as session:
            run = runs.get(session, run_id)
            if run is None:
                raise NotFound(f"no run {run_id}")
            if run.status not in lifecycle.ACTIVE:
                raise Conflict(f"run {run_id} already ended: {run.status}")
        raise Conflict(f"run {run_id} is not running in this process, or already ended")

    def _claim_many(
        self, session: Session, dues: Sequence[Due], now: datetime
    ) -> list[Dispatched | None]:
        """The schedules in one query, their active runs in one, the rows in one insert."""
        ids = sorted({d.schedule_id for d in dues})
        schedules = {
            row.id: row
            for row in session.scalars(select(ScheduleRow).where(ScheduleRow.id.in_(ids)))
        }
        active: dict[str, list[_Active]] = {i: [] for i in ids}
        for run_id, schedule_id in session.execute(
            select(RunRow.id, RunRow.schedule_id)
            .where(RunRow.schedule_id.in_(ids), RunRow.status.in_(runs.ACTIVE_STATUSES))
            .order_by(RunRow.id)
        ):
            active[schedule_id].append(_Active(run_id))
        plans: list[_Plan | None] = []
        for due in dues:
            schedule = schedules.get(due.schedule_id)
            if schedule is None or (due.skip is None and not schedule.enabled):
                plans.append(None)
                continue
            plan = self._plan(schedule, due.trigger, due.instant, now, active, skip=due.skip)
            plans.append(plan)
        written = iter(self._insert(session, [p for p in plans if p is not None]))
        return [next(written) if plan is not None else None for plan in plans]

    def _plan(
        self,
        schedule: ScheduleRow,
        trigger: str,
        instant: datetime,
        now: datetime,
        active: dict[str, list[Any]],
        skip: str | None = None,
        merged: _Overridden | None = None,
    ) -> _Plan:
        """The row a fire writes, decided before it is written: queued, or ended at once
        (skipped by `skip` or by forbid's overlap, failed on parameters the workflow
        refuses), and which runs a `replace` stops."""
        going = list(active.get(schedule.id, []))
        status, error, command = RunStatus.QUEUED, None, []
        # A cron fire claimed ahead of its instant is armed: it waits for the instant, and
        # forbid's overlap is decided then, by the admission (a run going now may be over).
        armed = trigger == "schedule" and instant > now
        try:
            parameters = merged.parameters if merged else schedule.parameters
            command = self.registry.get(schedule.workflow_type).argv(parameters)
        except ValidationFailed as exc:
            status, error = RunStatus.FAILED, exc.message
        if skip is not None:
            status, error = RunStatus.SKIPPED, skip
            going = []  # a fire that does not run replaces nothing
        forbid = schedule.concurrency_policy == "forbid" and not armed
        if going and forbid and status == RunStatus.QUEUED:
            ids = ", ".join(f"#{r.id}" for r in going)
            status, error = RunStatus.SKIPPED, f"previous run {ids} still going"
        new = NewRun(
            schedule_id=schedule.id,
            trigger=trigger,
            scheduled_for=instant,
            queued_at=now,
            command=command,
            owner=self.executor.instance,
            status=status,
            error=error,
            parameter_overrides=merged.overrides if merged else None,
            not_before=instant if armed and status == RunStatus.QUEUED else None,
        )
        replaced = tuple(r.id for r in going) if schedule.concurrency_policy == "replace" else ()
        plan = _Plan(schedule, new, replaced)
        if status == RunStatus.QUEUED:
            # Later fires of the same batch see this one as going (forbid, replace).
            active.setdefault(schedule.id, []).append(plan)
        return plan

    def _insert(self, session: Session, plans: list[_Plan]) -> list[Dispatched | None]:
        priorities = {p.schedule.id: p.schedule.priority for p in plans}
        ids = lifecycle.insert_many(session, [p.new for p in plans], priorities, health=self.health)
        out: list[Dispatched | None] = []
        for plan, run_id in zip(plans, ids, strict=True):
            plan.run_id = run_id
            if run_id is None:
                out.append(None)
                continue
            new, schedule = plan.new, plan.schedule
            log.info(
                "%s run %s of %s (%s): %s",
                new.trigger,
                run_id,
                schedule.name,
                schedule.id,
                new.status,
            )
            ticket = _ticket(run_id, plan) if new.status == RunStatus.QUEUED else None
            replaced = tuple(r for r in plan.replaced if r is not None)
            out.append(Dispatched(run_id, new.status, replaced, ticket))
        return out

    def _hand_over(self, outcomes: list[Dispatched]) -> None:
        """Start what was committed, then stop what it replaces. In this order: the runs are
        in the store already, and a failure while cancelling must not leave them queued for
        ever (a retry of the fire would find its instant claimed and hand nothing over)."""
        tickets = [o.ticket for o in outcomes if o.ticket is not None]
        if tickets:
            self.executor.submit(tickets)
        for outcome in outcomes:
            self.bus.publish(
                "run",
                action="queued" if outcome.status == RunStatus.QUEUED else "finished",
                run_id=outcome.run_id,
            )
        for outcome in outcomes:
            for old in outcome.replaced:
                try:
                    self.cancel(old, f"replaced by run #{outcome.run_id}")
                except Conflict:
                    pass  # it ended meanwhile
                except Exception as exc:
                    if problem(exc) is None:
                        raise
                    log.warning(
                        "run %s could not be stopped for run %s: %s", old, outcome.run_id, exc
                    )


@dataclass(frozen=True)
class _Active:
    id: int | None


@dataclass
class _Plan:
    """A run about to be written by a fire, and what it replaces."""

    schedule: ScheduleRow
    new: NewRun
    replaced: tuple[int | None, ...]
    run_id: int | None = None  # once written; a plan stands for a going run in its batch

    @property
    def id(self) -> int | None:
        return self.run_id


def _ticket(run_id: int, plan: _Plan) -> Ticket:
    new = plan.new
    return tickets.ticket_for(
        plan.schedule,
        run_id=run_id,
        command=new.command,
        priority=plan.schedule.priority,
        scheduled_for=new.scheduled_for,
        queued_at=new.queued_at,
        not_before=new.not_before,
        armed=new.not_before is not None,
    )


@dataclass(frozen=True)
class _Overridden:
    parameters: dict[str, Any]  # the schedule's, with the overrides applied and checked
    overrides: dict[str, Any]  # the overridden names with their checked values

    @property
    def overridden(self) -> list[str]:
        return list(self.overrides)
