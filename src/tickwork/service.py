"""Schedule operations shared by the API and the CLI: validate, store, tell the scheduler.

Validation that needs the registry (workflow type, parameters) happens here; the request
models have already checked shapes, cron syntax and time zones.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from tickwork import advice, cron, dependencies, insight
from tickwork.auth.audit import Note
from tickwork.clock import SYSTEM, Clock
from tickwork.config import Settings
from tickwork.errors import Conflict, FieldError, NotFound, StorageUnavailable, ValidationFailed
from tickwork.events import EventBus
from tickwork.executor.base import Executor
from tickwork.readcache import ReadCache, name_key
from tickwork.scheduler.engine import SchedulerEngine, paused_in
from tickwork.scheduler.forecast import next_run
from tickwork.schemas import (
    MAX_NAME,
    MAX_TAGS,
    Dependency,
    DependencyLink,
    RunResponse,
    ScheduleCreateRequest,
    ScheduleFilterFields,
    ScheduleHealth,
    ScheduleResponse,
    ScheduleUpdateRequest,
)
from tickwork.store import channels, lifecycle, runs, schedules
from tickwork.store.db import Store
from tickwork.store.tables import RunRow, ScheduleRow
from tickwork.workflows import Registry

log = logging.getLogger(__name__)
EDITABLE = (
    "name",
    "description",
    "enabled",
    "workflow_type",
    "parameters",
    "cron_schedule",
    "timezone",
    "timeout_seconds",
    "concurrency_policy",
    "catch_up",
    "max_retries",
    "retry_delay_seconds",
    "retry_backoff",
    "retry_max_delay_seconds",
    "priority",
    "starting_deadline_seconds",
    "pause_on_failure",
    "group",
    "tags",
    "notify",
)
# Fields an update clears with null: for the others null is the same as leaving them out.
CLEARABLE = ("starting_deadline_seconds", "group")
SWITCHED_OFF = "cancelled: the schedule was switched off"
# Who switches a schedule back on when its pause runs out, in the audit log.
HOUSEKEEPER = "tickwork"


class ScheduleService:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        registry: Registry,
        engine: SchedulerEngine,
        executor: Executor,
        bus: EventBus,
        clock: Clock = SYSTEM,
    ) -> None:
        self.settings = settings
        self.executor = executor
        self.clock = clock
        self.store = store
        self.registry = registry
        self.engine = engine
        self.bus = bus
        self.on_change: list[Callable[[], None]] = []  # e.g. the schedules.json backup
        # Derived from all schedules (names, next fires, the slot forecast), kept between reads.
        self.cache = ReadCache(store, settings.max_concurrent_runs)

    # -- changes --------------------------------------------------------------------------

    # Each change is one unit of work: the row, its audit entry and the answer are made in one
    # transaction (`Store.transact`, tried again if the connection broke before COMMIT), so no
    # later step can fail after the change committed and turn a saved change into an error.

    def create(
        self,
        req: ScheduleCreateRequest,
        schedule_id: str | None = None,
        audit: Note | None = None,
    ) -> ScheduleResponse:
        values = self._checked(req.model_dump())
        new_id = schedule_id or str(uuid.uuid4())
        deps = _pairs(req.depends_on)

        def work(session: Session) -> ScheduleResponse:
            now = self.clock.now()
            dependencies.check(session, new_id, deps, values["name"])
            check_notify(session, values["notify"])
            row = ScheduleRow(id=new_id, created_at=now, updated_at=now, **values)
            session.add(row)
            session.flush()
            schedules.set_dependencies(session, new_id, deps)
            if audit is not None:
                audit.add(session, row.id, name=row.name)
            return self.present([row], session)[0]

        created = self.store.transact(work)
        log.info("schedule created: %s (%s)", created.name, created.id)
        self._changed(created.id, "created")
        return created

    def update(
        self, schedule_id: str, req: ScheduleUpdateRequest, audit: Note | None = None
    ) -> ScheduleResponse:
        sent = req.model_dump(exclude_unset=True, exclude_none=True)
        sent |= {k: v for k, v in req.model_dump(exclude_unset=True).items() if k in CLEARABLE}
        deps = _pairs(req.depends_on) if req.depends_on is not None else None
        updated = self._edit(schedule_id, lambda row: sent, deps, audit, answer=True)
        assert updated is not None  # answer=True
        return updated

    # The relabelling that bulk actions do. They answer nothing: a bulk answers ok or not per
    # schedule, and making a schedule's full answer (its warnings read every schedule's
    # summary when anything changed) was most of a bulk action's time.

    def set_group(self, schedule_id: str, group: str | None, audit: Note | None = None) -> None:
        self._edit(schedule_id, lambda row: {"group": group}, None, audit, answer=False)

    def add_tag(self, schedule_id: str, tag: str, audit: Note | None = None) -> None:
        def tagged(row: ScheduleRow) -> dict[str, Any]:
            if tag in row.tags:
                return {}
            if len(row.tags) >= MAX_TAGS:
                raise ValidationFailed.one("tags", f"it has {MAX_TAGS} tags, the most it may")
            return {"tags": [*row.tags, tag]}

        self._edit(schedule_id, tagged, None, audit, answer=False)

    def remove_tag(self, schedule_id: str, tag: str, audit: Note | None = None) -> None:
        def untagged(row: ScheduleRow) -> dict[str, Any]:
            return {"tags": [t for t in row.tags if t != tag]}

        self._edit(schedule_id, untagged, None, audit, answer=False)

    def _edit(
        self,
        schedule_id: str,
        change: Callable[[ScheduleRow], dict[str, Any]],
        deps: list[tuple[str, str]] | None,
        audit: Note | None,
        *,
        answer: bool,
    ) -> ScheduleResponse | None:
        """Change the fields `change` names, worked out from the row as this transaction reads
        it (an added tag joins the tags as they are at that moment, not as a client saw them),
        and `deps` unless it is None; in one transaction with the audit entry and, if
        `answer`, the schedule's answer."""

        def work(session: Session) -> tuple[ScheduleResponse | None, list[int], list[str]]:
            row = self._row(session, schedule_id)
            sent = change(row)
            before = {name: getattr(row, name) for name in EDITABLE}
            merged = before | sent
            if "workflow_type" in sent and "parameters" not in sent:
                merged["parameters"] = {}  # old parameters rarely fit a new workflow
            values = self._checked(merged)
            old_deps = _pairs(self._depends_on(session, schedule_id))
            if deps is not None:
                dependencies.check(session, schedule_id, deps, values["name"])
            if "notify" in sent:
                check_notify(session, values["notify"])
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = self.clock.now()
            session.flush()
            cancelled = self._switched(session, row)
            if deps is not None and deps != old_deps:
                schedules.set_dependencies(session, schedule_id, deps)
            if audit is not None:
                # What really changed, which is not always what was sent (a new workflow type
                # clears the parameters; sending the current value changes nothing).
                changed = [name for name in EDITABLE if getattr(row, name) != before[name]]
                if deps is not None and deps != old_deps:
                    changed.append("depends_on")
                audit.add(session, row.id, name=row.name, fields=changed)
            session.flush()
            presented = self.present([row], session)[0] if answer else None
            return presented, cancelled, sorted(sent)

        updated, cancelled, sent = self.store.transact(work)
        log.info("schedule updated: %s: %s", schedule_id, sent)
        self._changed(schedule_id, "updated")
        self._cancelled(cancelled)
        return updated

    def clone(self, schedule_id: str, audit: Note | None = None) -> ScheduleResponse:
        """A switched-off copy of a schedule under a name no other schedule has: every field
        one can edit, its dependencies too, but none of its history, pause or dependents."""
        new_id = str(uuid.uuid4())

        def work(session: Session) -> ScheduleResponse:
            source = self._row(session, schedule_id)
            values = self._checked({name: getattr(source, name) for name in EDITABLE})
            values["enabled"] = False
            values["name"] = _copy_name(source.name, self.cache.snapshot(session).namesakes)
            deps = _pairs(self._depends_on(session, schedule_id))
            dependencies.check(session, new_id, deps, values["name"])
            now = self.clock.now()
            row = ScheduleRow(id=new_id, created_at=now, updated_at=now, **values)
            session.add(row)
            session.flush()
            schedules.set_dependencies(session, new_id, deps)
            if audit is not None:
                audit.add(
                    session, new_id, name=row.name, source_id=source.id, source_name=source.name
                )
            return self.present([row], session)[0]

        copy = self.store.transact(work)
        log.info("schedule %s cloned as %s (%s)", schedule_id, copy.name, copy.id)
        self._changed(copy.id, "created")
        return copy

    def delete(self, schedule_id: str, audit: Note | None = None, detach: bool = False) -> None:
        """Delete a schedule and its history. Refused (409) while others depend on it, unless
        `detach`: then their links to it go with it, and the audit entry names them."""

        def work(session: Session) -> tuple[str, list[int], list[str]]:
            row = self._row(session, schedule_id)
            dependents = sorted(
                (link.schedule_name, link.schedule_id)
                for link in schedules.links(session, [schedule_id])
                if link.upstream_id == schedule_id
            )
            if dependents and not detach:
                listed = ", ".join(json.dumps(name, ensure_ascii=False) for name, _ in dependents)
                raise Conflict(
                    f"schedules depend on it: {listed}; "
                    "delete it with ?detach=true to remove those links too"
                )
            schedules.detach(session, schedule_id)
            active = [r.id for r in runs.active_for(session, schedule_id)]
            session.delete(row)
            if audit is not None:
                detail: dict[str, Any] = {"name": row.name}
                if dependents:
                    detail["detached"] = [
                        {"schedule_id": i, "name": name} for name, i in dependents
                    ]
                audit.add(session, schedule_id, **detail)
            return row.name, active, [i for _, i in dependents]

        name, active, detached = self.store.transact(work)
        log.info("schedule deleted: %s (%s)", name, schedule_id)
        self._after_change(lambda: self.engine.sync(schedule_id))
        for run_id in active:
            self.executor.stop(run_id, "schedule deleted")
        # The rows went with the schedule (cascade); their log files go too.
        shutil.rmtree(self.settings.logs_dir / schedule_id, ignore_errors=True)
        self.bus.publish("schedule", action="deleted", schedule_id=schedule_id)
        for dependent in detached:  # their depends_on lost an entry
            self.bus.publish("schedule", action="updated", schedule_id=dependent)
        self._after_change(self._notify)

    def toggle(
        self,
        schedule_id: str,
        enabled: bool | None,
        audit: Note | None = None,
        note: str | None = None,
        until: datetime | None = None,
    ) -> ScheduleResponse:
        """Switch a schedule on or off (flip it when `enabled` is None). Switching off may
        carry a `note` (why) and an `until` (when it switches itself back on); switching on
        clears both, and switching off cancels its queued retries."""
        toggled = self._toggle(schedule_id, enabled, audit, note, until, answer=True)
        assert toggled is not None  # answer=True
        return toggled

    def switch(self, schedule_id: str, on: bool, audit: Note | None = None) -> None:
        """`toggle` to a given state without an answer (a bulk action's: see set_group)."""
        self._toggle(schedule_id, on, audit, None, None, answer=False)

    def _toggle(
        self,
        schedule_id: str,
        enabled: bool | None,
        audit: Note | None,
        note: str | None,
        until: datetime | None,
        *,
        answer: bool,
    ) -> ScheduleResponse | None:
        def work(session: Session) -> tuple[ScheduleResponse | None, bool, list[int]]:
            row = self._row(session, schedule_id)
            now = self.clock.now()
            on = (not row.enabled) if enabled is None else enabled
            back_on = _aware(until)
            _check_pause(on, note, back_on, now)
            row.enabled = on
            row.pause_note, row.paused_until = (None, None) if on else (note, back_on)
            row.updated_at = now
            session.flush()
            cancelled = self._switched(session, row)
            if audit is not None:
                detail: dict[str, Any] = {"name": row.name, "enabled": row.enabled}
                if note is not None:
                    detail["note"] = note
                if back_on is not None:
                    detail["until"] = back_on.isoformat().replace("+00:00", "Z")
                audit.add(session, row.id, **detail)
            presented = self.present([row], session)[0] if answer else None
            return presented, row.enabled, cancelled

        toggled, on, cancelled = self.store.transact(work)
        log.info("schedule %s: %s", "enabled" if on else "disabled", schedule_id)
        self._changed(schedule_id, "updated")
        self._cancelled(cancelled)
        return toggled

    def resume_if_due(self, schedule_id: str) -> bool:
        """Switch `schedule_id` back on when its pause ran out (checked again here: a person
        may have switched it on, or paused it anew, since it was found). Whether it did."""

        def work(session: Session) -> bool:
            row = schedules.get(session, schedule_id)
            now = self.clock.now()
            if row is None or row.enabled or row.paused_until is None or row.paused_until > now:
                return False
            until = row.paused_until.isoformat().replace("+00:00", "Z")
            row.enabled, row.pause_note, row.paused_until = True, None, None
            row.updated_at = now
            Note(HOUSEKEEPER, "schedule.toggle", "schedule").add(
                session, row.id, name=row.name, enabled=True, paused_until=until
            )
            return True

        if not self.store.transact(work):
            return False
        log.info("schedule %s switched back on: its pause ran out", schedule_id)
        self._changed(schedule_id, "updated")
        return True

    def _switched(self, session: Session, row: ScheduleRow) -> list[int]:
        """What goes with a schedule's saved on/off state: on clears its pause, off cancels
        its queued retries (switching off ends the attempts). Flushed before, so on
        PostgreSQL a run ending meanwhile waits for the schedule's row and sees it off."""
        if row.enabled:
            row.pause_note = row.paused_until = None
            return []
        return lifecycle.cancel_retries(session, row.id, SWITCHED_OFF, self.clock.now())

    def _cancelled(self, run_ids: list[int]) -> None:
        for run_id in run_ids:
            self.bus.publish("run", action="finished", run_id=run_id)

    def apply_import(
        self,
        items: list[tuple[str | None, ScheduleCreateRequest]],
        audit: Note | None = None,
        remove: Sequence[str] = (),
        detail: dict[str, Any] | None = None,
    ) -> tuple[int, int]:
        """Upsert already validated schedules in one transaction with the audit entry: all
        land or none, and a connection lost before COMMIT tries the whole import again (rows
        without an id get theirs inside it, so a second try makes no twins). `remove` names
        schedules deleted in the same transaction, with their history (a restore); `detail`
        goes into the audit entry."""
        checked = [(schedule_id, self._checked(req.model_dump())) for schedule_id, req in items]
        wanted = [_pairs(req.depends_on) for _, req in items]
        stopped: list[int] = []

        def work(session: Session) -> tuple[int, int, list[str], list[int]]:
            now = self.clock.now()
            stopped.clear()  # a second attempt starts over
            for gone_id in remove:
                gone = schedules.get(session, gone_id)
                if gone is not None:
                    schedules.detach(session, gone_id)
                    stopped.extend(r.id for r in runs.active_for(session, gone_id))
                    session.delete(gone)
            session.flush()
            dependencies.check_import(session, [(i, v["name"]) for i, v in checked], wanted)
            check_notify_import(session, [v["notify"] for _, v in checked])
            created = updated = 0
            touched: list[str] = []
            cancelled: list[int] = []
            for schedule_id, values in checked:
                row = schedules.get(session, schedule_id) if schedule_id else None
                if row is None:
                    row = ScheduleRow(id=schedule_id or str(uuid.uuid4()), created_at=now, **values)
                    session.add(row)
                    created += 1
                else:
                    for name, value in values.items():
                        setattr(row, name, value)
                    updated += 1
                row.updated_at = now
                session.flush()
                cancelled += self._switched(session, row)
                touched.append(row.id)
            # After every row exists: a schedule may depend on one the same file creates.
            for schedule_id, deps in zip(touched, wanted, strict=True):
                schedules.set_dependencies(session, schedule_id, deps)
            if audit is not None:
                audit.add(
                    session,
                    None,
                    created=created,
                    updated=updated,
                    total=len(touched),
                    **(detail or {}),
                )
            return created, updated, touched, cancelled

        created, updated, touched, cancelled = self.store.transact(work)
        for run_id in stopped:
            self.executor.stop(run_id, "schedule deleted")
        for schedule_id in remove:
            shutil.rmtree(self.settings.logs_dir / schedule_id, ignore_errors=True)
            self._after_change(functools.partial(self.engine.sync, schedule_id))
            self.bus.publish("schedule", action="deleted", schedule_id=schedule_id)
        self._cancelled(cancelled)
        for schedule_id in touched:
            self._after_change(functools.partial(self.engine.sync, schedule_id))
        self.bus.publish("schedule", action="imported", schedule_id=None)
        self._after_change(self._notify)
        return created, updated

    def touched(self, schedule_ids: Sequence[str]) -> None:
        """Schedules changed by someone else's transaction (a channel deleted with
        ?detach=true took their subscriptions): tell the page, the caches and the backup."""
        for schedule_id in schedule_ids:
            self.bus.publish("schedule", action="updated", schedule_id=schedule_id)
        if schedule_ids:
            self._after_change(self._notify)

    def _notify(self) -> None:
        self.engine.changed()
        for callback in self.on_change:
            callback()

    def checked(self, req: ScheduleCreateRequest) -> dict[str, Any]:
        """The stored values `req` makes (parameters validated, zone and cron normalized)."""
        return self._checked(req.model_dump())

    def _checked(self, values: dict[str, Any]) -> dict[str, Any]:
        values = {k: v for k, v in values.items() if k in EDITABLE}
        workflow = self.registry.get(values["workflow_type"])
        values["parameters"] = workflow.validate(values.get("parameters"))
        values["timezone"] = values.get("timezone") or self.settings.default_timezone
        values["cron_schedule"] = cron.validate(values["cron_schedule"])
        return values

    @staticmethod
    def _depends_on(session: Session, schedule_id: str) -> list[Dependency]:
        return [
            Dependency(schedule_id=link.upstream_id, on=link.on)  # type: ignore[arg-type]
            for link in schedules.links(session, [schedule_id])
            if link.schedule_id == schedule_id
        ]

    def _changed(self, schedule_id: str, action: str) -> None:
        self._after_change(lambda: self.engine.sync(schedule_id))
        self.bus.publish("schedule", action=action, schedule_id=schedule_id)
        self._after_change(self._notify)

    def _after_change(self, step: Callable[[], None]) -> None:
        """A step after a change committed. Its failure must not answer the saved change as
        an error: the scheduler is told to re-read the store once the store is back."""
        try:
            step()
        except StorageUnavailable as exc:
            log.warning("change saved, but the scheduler could not be told: %s", exc.message)
            self.engine.resync_later()

    @staticmethod
    def _row(session: Any, schedule_id: str) -> ScheduleRow:
        row = schedules.get(session, schedule_id)
        if row is None:
            raise NotFound(f"no schedule {schedule_id}")
        return row

    # -- reads ------------------------------------------------------------------------------

    def one(self, schedule_id: str) -> ScheduleResponse:
        return self.store.read(
            lambda session: self.present([self._row(session, schedule_id)], session)[0]
        )

    def page(
        self, where: schedules.ScheduleFilter, page: int, size: int, sort: str = "name"
    ) -> tuple[list[ScheduleResponse], int]:
        def work(session: Session) -> tuple[list[ScheduleResponse], int]:
            offset = (page - 1) * size
            if sort.removeprefix("-") in schedules.SQL_SORTS:
                rows, total = schedules.page(session, where, offset, size, sort)
            else:
                rows, total = self._by_next_run(session, where, offset, size, sort)
            return self.present(rows, session), total

        return self.store.read(work)

    def _by_next_run(
        self, session: Session, where: schedules.ScheduleFilter, offset: int, size: int, sort: str
    ) -> tuple[list[ScheduleRow], int]:
        """A page sorted by next_run. It is no column but a cron walk, so the matching
        schedules are sorted here, by the same next fires the responses show (cached, so a
        walk is paid once per schedule until its fire passes); those without one come last."""
        found = schedules.matching(session, where)  # by name: the tie-break, kept by sort()
        paused = paused_in(session)
        now = self.clock.now()
        fires = {b.id: next_run(b, now, paused, self.cache.next_fires) for b in found}
        timed = [b for b in found if fires[b.id] is not None]
        # Stable, reverse=True too: schedules firing at the same instant stay in name order.
        timed.sort(key=lambda b: fires[b.id] or now, reverse=sort.startswith("-"))
        ordered = [b.id for b in timed] + [b.id for b in found if fires[b.id] is None]
        chosen = ordered[offset : offset + size]
        rows = {row.id: row for row in schedules.by_ids(session, chosen)}
        return [rows[i] for i in chosen if i in rows], len(found)

    def present(self, rows: Sequence[ScheduleRow], session: Any) -> list[ScheduleResponse]:
        history = runs.latest_for(session, [r.id for r in rows], self.settings.history_size)
        paused = paused_in(session)
        graph = _Links(schedules.links(session, [r.id for r in rows]))
        now = self.clock.now()
        warnings = advice.for_rows(session, self.cache, rows, now)
        figures = insight.summaries(session, [r.id for r in rows], now)
        return [
            ScheduleResponse(
                **{name: getattr(row, name) for name in EDITABLE},
                id=row.id,
                depends_on=graph.depends_on(row.id),
                upstream=graph.upstream(row.id),
                downstream=graph.downstream(row.id),
                pause_note=row.pause_note,
                paused_until=row.paused_until,
                cron_description=cron.describe(row.cron_schedule),
                created_at=row.created_at,
                updated_at=row.updated_at,
                last_run=row.last_run,
                last_status=row.last_status,  # type: ignore[arg-type]
                next_run=next_run(row, now, paused, self.cache.next_fires),
                execution_history=[run_response(r, row) for r in history.get(row.id, [])],
                warnings=warnings[row.id],
                health=ScheduleHealth(
                    state=row.health,  # type: ignore[arg-type]
                    reason=row.health_reason,
                    since=row.health_since,
                ),
                success_rate_7d=figures.get(row.id, (None, None))[0],
                duration_p95=figures.get(row.id, (None, None))[1],
            )
            for row in rows
        ]

    def run_page(
        self, schedule_id: str, status: str | None, page: int, size: int
    ) -> tuple[list[RunResponse], int]:
        def work(session: Session) -> tuple[list[RunResponse], int]:
            row = self._row(session, schedule_id)
            items, total = runs.page_for(session, schedule_id, status, (page - 1) * size, size)
            return [run_response(r, row) for r in items], total

        return self.store.read(work)

    def all_runs(
        self, where: runs.RunFilter, page: int, size: int
    ) -> tuple[list[RunResponse], int]:
        def work(session: Session) -> tuple[list[RunResponse], int]:
            items, total = runs.page_all(session, where, (page - 1) * size, size)
            names = runs.schedule_names(session, [r.schedule_id for r in items])
            return [run_response(r, None, names) for r in items], total

        return self.store.read(work)

    def run(self, run_id: int) -> RunResponse:
        def work(session: Session) -> RunResponse:
            run = runs.get(session, run_id)
            if run is None:
                raise NotFound(f"no run {run_id}")
            return run_response(run, session.get(ScheduleRow, run.schedule_id), full=True)

        return self.store.read(work)


def run_response(
    run: RunRow,
    schedule: ScheduleRow | None,
    names: dict[str, tuple[str, str]] | None = None,
    *,
    full: bool = False,
) -> RunResponse:
    """A run as the API shows it. Lists leave out the command (`full=False`): it can be long,
    and a list of runs repeating it grew to megabytes; one run's own answer carries it."""
    name, tz = (
        (schedule.name, schedule.timezone)
        if schedule
        else (names or {}).get(run.schedule_id, (None, None))
    )
    response = RunResponse.model_validate(run, from_attributes=True)
    update: dict[str, object] = {"schedule_name": name, "timezone": tz}
    if not full:
        update["command"] = None
    return response.model_copy(update=update)


def filter_of(fields: ScheduleFilterFields) -> schedules.ScheduleFilter:
    """The store's filter for the list's query or a bulk action's `filter`."""
    return schedules.ScheduleFilter(
        fields.q,
        fields.enabled,
        fields.workflow_type,
        fields.last_status,
        fields.group,
        tuple(fields.tag or ()),
    )


def _copy_name(name: str, taken: Mapping[str, object]) -> str:
    """`<name> (copy)`, else `<name> (copy 2)`, `(copy 3)`, ...: the first that no schedule is
    named (as people read names: case and surrounding spaces aside, as the duplicate warning
    compares them). The name is cut to leave room for the suffix within the 200 characters."""
    for n in itertools.count(1):
        suffix = " (copy)" if n == 1 else f" (copy {n})"
        candidate = name[: MAX_NAME - len(suffix)] + suffix
        if name_key(candidate) not in taken:
            return candidate
    raise AssertionError("unreachable")  # count() never ends


def check_notify(session: Session, notify: Sequence[dict[str, Any]], prefix: str = "") -> None:
    """422 unless every channel a `notify` list names exists, each once."""
    if errors := _notify_problems(session, notify, prefix):
        raise ValidationFailed(errors)


def check_notify_import(session: Session, lists: Sequence[Sequence[dict[str, Any]]]) -> None:
    errors = [
        e
        for index, notify in enumerate(lists)
        for e in _notify_problems(session, notify, f"schedules.{index}.")
    ]
    if errors:
        raise ValidationFailed(errors, f"nothing imported: {len(errors)} problem(s) found")


def _notify_problems(
    session: Session, notify: Sequence[dict[str, Any]], prefix: str
) -> list[FieldError]:
    named = channels.channel_ids(notify)
    known = channels.existing(session, named)
    errors, seen = [], set()
    for index, channel_id in enumerate(named):
        where = f"{prefix}notify[{index}].channel"
        if channel_id not in known:
            errors.append(FieldError(where, f"no channel {channel_id}"))
        elif channel_id in seen:
            errors.append(FieldError(where, f"channel {channel_id} is listed twice"))
        seen.add(channel_id)
    return errors


def _pairs(deps: Sequence[Dependency] | None) -> list[tuple[str, str]]:
    return [(d.schedule_id, d.on) for d in deps or ()]


def _aware(at: datetime | None) -> datetime | None:
    """A time sent without a zone is read as UTC, like every time on the wire."""
    if at is None:
        return None
    return at.astimezone(UTC) if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _check_pause(on: bool, note: str | None, until: datetime | None, now: datetime) -> None:
    """`note` and `until` describe a switch-off; `until` must lie ahead, or it would switch the
    schedule back on at once."""
    errors = []
    if on:
        errors += [
            FieldError(name, "only when switching off (enabled: false)")
            for name, value in (("note", note), ("until", until))
            if value is not None
        ]
    elif until is not None and until <= now:
        errors.append(FieldError("until", "must be in the future"))
    if errors:
        raise ValidationFailed(errors)


class _Links:
    """A page's dependency links, from one query, sorted out per schedule."""

    def __init__(self, links: Sequence[schedules.Link]) -> None:
        self._up: dict[str, list[schedules.Link]] = {}
        self._down: dict[str, list[schedules.Link]] = {}
        for link in links:  # in position order
            self._up.setdefault(link.schedule_id, []).append(link)
            self._down.setdefault(link.upstream_id, []).append(link)

    def depends_on(self, schedule_id: str) -> list[Dependency]:
        return [
            Dependency(schedule_id=link.upstream_id, on=link.on)  # type: ignore[arg-type]
            for link in self._up.get(schedule_id, [])
        ]

    def upstream(self, schedule_id: str) -> list[DependencyLink]:
        return [
            DependencyLink(schedule_id=link.upstream_id, name=link.upstream_name, on=link.on)  # type: ignore[arg-type]
            for link in self._up.get(schedule_id, [])
        ]

    def downstream(self, schedule_id: str) -> list[DependencyLink]:
        found = sorted(
            self._down.get(schedule_id, []),
            key=lambda link: (link.schedule_name.casefold(), link.schedule_id),
        )
        return [
            DependencyLink(schedule_id=link.schedule_id, name=link.schedule_name, on=link.on)  # type: ignore[arg-type]
            for link in found
        ]
