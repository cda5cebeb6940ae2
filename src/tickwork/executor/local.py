"""The local executor: queued runs in, finished runs out, with two threads of its own.

- The admitter starts runs: `Admission` says which tickets may start (slots, priority,
  not_before, buffer policies, starting deadlines) and the admitter spawns them one after the
  other at once, without reading the store (a ticket carries what starting needs).
- The writer records what happened, in batches: every start, skip and end it holds is written
  in one transaction (`lifecycle.start_many`, `finish` per run), so a burst of a hundred starts
  is one COMMIT and no thread waits on another's write lock.
- The processes are watched by the launcher (`Supervisor.launch`): one spawn call in the
  admitter's thread, the end reported back through a callback. Each run's resource series
  (tickwork/resources.py) is fed by the launcher's passes over /proc and written by the
  writer with whatever else it writes: new points ask for one write, however many arrive.

Every state change is still a conditional update that must change exactly one row, so a run
that was cancelled while it waited is refused its start (and stopped), and a finished run is
never rewritten. A crash between a spawn and its recorded start is covered by the run's tag
(recovery finds its processes by it).
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import os
import resource
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from tickwork.clock import SYSTEM, Clock
from tickwork.config import Settings
from tickwork.events import EventBus
from tickwork.executor import tickets
from tickwork.executor.admission import Admission, Ticket
from tickwork.executor.base import QueueView, Stopped
from tickwork.executor.identity import process_started_at
from tickwork.executor.process import (
    RUN_TAG,
    Control,
    ProcessResult,
    ProcessSpec,
    prepare_log,
    run_tag,
)
from tickwork.executor.supervisor import LaunchError, Supervisor
from tickwork.resources import Series, Taken
from tickwork.store import lifecycle, resources
from tickwork.store.db import Outage, Store, problem
from tickwork.store.health import HealthRecorder
from tickwork.store.lifecycle import Moved, RunStatus
from tickwork.store.tables import ScheduleRow
from tickwork.workflows import Registry

log = logging.getLogger(__name__)
T = TypeVar("T")


RETRY_MAX_DELAY_SECONDS = 5.0
# Descriptors one running run holds (two pipes, its log, the process handle), and those kept
# for the server itself (connections, the database, the data directory's files).
FILES_PER_RUN = 4
FILES_RESERVED = 256
INTERNAL_ERROR = "internal error in the executor; see server log"
MAX_NAP_SECONDS = 1.0
# The writer waits for a burst's spawns to be over (this long without one), but never longer
# than the cap (as the supervisor's, longer than a burst of a thousand): ends and skips must
# not wait behind a queue that never empties.
WRITE_QUIET_SECONDS = 0.02
WRITE_YIELD_MAX_SECONDS = 3.0


def _persist(write: Callable[[], T], what: str, closing: Callable[[], bool]) -> T:
    """Retry a run's final write until it lands: through a database outage, or a disk so full
    that SQLite cannot grow its journal. Giving up would leave the run 'running' for ever,
    blocking its schedule (forbid) until the next restart; so only shutdown stops the retries,
    and start-up recovery then ends the run (its owner is gone)."""
    delay = 0.5
    outage = Outage(what)
    while True:
        try:
            done = write()
            outage.over()
            return done
        except Exception as exc:
            # Only storage trouble passes with time; anything else (a bug, data the database
            # refuses) would fail the same way for ever, holding the run and its slot.
            if closing() or problem(exc) is None:
                raise
            outage.failed(exc)
            time.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_DELAY_SECONDS)


def job_environment(
    settings: Settings,
    workflow_env: dict[str, str],
    run_vars: dict[str, str],
    environ: dict[str, str] | None = None,
    server: dict[str, str] | None = None,
) -> dict[str, str]:
    """A job's environment: the allow-listed part of the server's, then the workflow's own
    `env`, then the run's identity. Never the whole of the server's: it holds the API token,
    the session key and the database URL, and a job's log is readable by every viewer.
    `server` is that allow-listed part when the caller has it already (server_environment)."""
    if server is None:
        server = server_environment(settings, environ)
    return {**server, **workflow_env, "PYTHONUNBUFFERED": "1", **run_vars}


def server_environment(settings: Settings, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The allow-listed part of the server's environment (`environ`, else os.environ). Taken
    once per batch of spawns: even the sorted copy that keys its cache cost a tenth of a
    millisecond, a tenth of a burst's spawn time."""
    server = tuple(sorted((os.environ if environ is None else environ).items()))
    return _server_part(settings, server)


@functools.lru_cache(maxsize=4)
def _server_part(settings: Settings, server: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The allow-listed part of `server`, kept while the server's environment stays the same:
    matching every variable against the allow-list for each run of a burst of a thousand cost
    a quarter of a millisecond each, in the spawn loop. Callers copy it (job_environment)."""
    return {name: value for name, value in server if _inherited(settings, name, value)}


def _inherited(settings: Settings, name: str, value: str) -> bool:
    if name.upper().startswith("TICKWORK_"):
        return False  # settings, whatever the allow-list says (config.py refuses to list them)
    if not any(fnmatch.fnmatchcase(name, entry) for entry in settings.job_env_allowlist):
        return False
    secrets = [
        s
        for s in (
            settings.api_token,
            settings.metrics_token,
            settings.secret_key,
            settings.database_url,
        )
        if s
    ]
    if any(secret in value for secret in secrets):
        log.warning("not passing %s to jobs: its value holds one of the server's secrets", name)
        return False
    return True


def run_slots(configured: int) -> int:
    """The run slots: the setting, bounded by the open-file limit (a run holds FILES_PER_RUN
    descriptors; a spawn that fails with EMFILE would fail the run for nothing). The soft
    limit is raised towards what the slots need first, as far as the hard limit lets us."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = FILES_RESERVED + configured * FILES_PER_RUN
    if soft != resource.RLIM_INFINITY and soft < needed:
        want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return configured
    room = max(1, (soft - FILES_RESERVED) // FILES_PER_RUN)
    if room < configured:
        log.warning(
            "max_concurrent_runs %d bounded to %d by the open-file limit %d", configured, room, soft
        )
    return min(configured, room)


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class Launcher(Protocol):
    """Spawns a run's process in the caller's thread and reports its end through `on_end`
    (executor/supervisor.py's Supervisor); raises LaunchError when it could not start."""

    def start(self) -> None: ...

    def launch(
        self, spec: ProcessSpec, control: Control, on_end: Callable[[ProcessResult], None]
    ) -> int: ...

    def stop(self, grace: float | None = None, reason: str = "stopped") -> None: ...


@dataclass
class _Live:
    """A run this executor started (or is starting), until its end is recorded."""

    ticket: Ticket
    control: Control
    log_path: Path
    lock: threading.Lock = field(default_factory=threading.Lock)
    start_put: bool = False  # its start went to the writer (or it has none to record)
    end: _End | None = None  # an end that came before its start was put: put after it


@dataclass(frozen=True)
class _Start:
    start: lifecycle.Start


@dataclass(frozen=True)
class _End:
    run_id: int
    finish: lifecycle.Finish
    series: Series | None = None
    taken: Taken | None = None  # the series' last points, taken when the batch is written


@dataclass(frozen=True)
class _Samples:
    """New points in a running run's series: taken when the batch is written."""

    run_id: int
    series: Series
    taken: Taken | None = None


@dataclass(frozen=True)
class _Fail:
    run_id: int
    error: str
    at: datetime


@dataclass(frozen=True)
class _Skip:
    run_id: int
    reason: str
    at: datetime


_Item = _Start | _End | _Fail | _Skip | _Samples


class LocalExecutor:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        registry: Registry,
        bus: EventBus,
        instance: str,
        clock: Clock = SYSTEM,
        launcher: Launcher | None = None,
        health: HealthRecorder | None = None,
    ) -> None:
        self.instance = instance
        # Re-evaluates a schedule's health in the transaction of its runs' starts and ends.
        self.health = health
        self.settings = settings
        self.store = store
        self.registry = registry
        self.bus = bus
        self.clock = clock
        self.admission = Admission(run_slots(settings.max_concurrent_runs))
        # Its thread starts with ours: a web-only process watches no processes.
        self._launcher: Launcher = launcher or Supervisor(start=False)
        self._live: dict[int, _Live] = {}
        self._lock = threading.Lock()
        self._closing = False
        self._started = False
        self._wake = threading.Condition()
        self._poked = False
        self._items: deque[_Item] = deque()
        self._written = threading.Condition()
        self._writing = False
        self._spawning = False  # the admitter is spawning a burst (the writer waits)
        self._last_spawn = 0.0  # monotonic
        self._threads: list[threading.Thread] = []
        # Armed runs whose log file is made already (see submit), so their spawn does no
        # file work at the instant.
        self._prepared: set[int] = set()

    # -- the contract -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the admitter and the writer (at the first submit at the latest)."""
        with self._lock:
            if self._started or self._closing:
                return
            self._started = True
        self._launcher.start()
        for target, name in (
            (self._admit_loop, "tickwork-admit"),
            (self._write_loop, "tickwork-write"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def submit(self, tickets: Sequence[Ticket]) -> None:
        if self._closing:
            return  # left queued in the store: the next start adopts them
        self.start()
        for ticket in tickets:
            if ticket.armed:  # its instant is ahead: the file work is done now, not then
                try:
                    prepare_log(self._log_path(ticket))
                except OSError:
                    continue  # the launch tries again, and fails the run saying why
                with self._lock:
                    self._prepared.add(ticket.run_id)
        decision = self.admission.offer(list(tickets))
        now = self.clock.now()
        for ticket, reason in decision.skip:
            self._put(_Skip(ticket.run_id, reason, now))
        self._poke()

    def stop(self, run_id: int, reason: str = "cancelled") -> Stopped | None:
        """Stop a run this process is executing, or drop it from the queue; None when it is
        neither."""
        if self.admission.withdraw(run_id) is not None:
            self._unprepare(run_id)
            return "dropped"
        with self._lock:
            live = self._live.get(run_id)
        if live is None:
            return None
        live.control.cancel(reason)
        return "stopping"

    def withdraw_armed(self, schedule_id: str | None) -> list[int]:
        gone = self.admission.withdraw_armed(schedule_id, self.clock.now())
        for ticket in gone:  # an empty log made ready for a run that will never be
            self._unprepare(ticket.run_id)
            self._log_path(ticket).unlink(missing_ok=True)
        return [t.run_id for t in gone]

    def queue(self) -> QueueView | None:
        if not self._started:
            return None
        return QueueView(
            self.admission.slots, self.admission.busy, self.admission.waiting(self.clock.now())
        )

    def shutdown(self, grace: float) -> None:
        """Let running runs finish for up to `grace` seconds, then stop them; runs still
        waiting for a slot stay queued in the store (the next start adopts them). Everything
        that ran ends recorded as what it was."""
        with self._lock:
            self._closing = True
        self._poke()
        deadline = time.monotonic() + grace
        while self._active() and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._lock:
            stopping = [live.control for live in self._live.values()]
        for control in stopping:
            control.cancel("stopped: tickwork shut down")
        self._launcher.stop(self.settings.kill_grace_seconds, "stopped: tickwork shut down")
        self._flush()
        for thread in self._threads:
            thread.join(timeout=10)
        if stopping:
            log.warning("stopped %d run(s) still going at shutdown", len(stopping))

    def _active(self) -> bool:
        with self._lock:
            return bool(self._live)

    # -- the admitter -----------------------------------------------------------------------

    def _poke(self) -> None:
        with self._wake:
            self._poked = True
            self._wake.notify()

    def _admit_loop(self) -> None:
        while True:
            with self._wake:
                while not self._poked and not self._closing:
                    wake = self.admission.next_wake(self.clock.now())
                    timeout = None
                    if wake is not None:
                        # At most a second: the clock may be moved (a test's), not only pass.
                        delta = (wake - self.clock.now()).total_seconds()
                        timeout = min(max(delta, 0.001), MAX_NAP_SECONDS)
                    if not self._wake.wait(timeout):
                        break  # a not_before or a deadline is due
                if self._closing:
                    return
                self._poked = False
            try:
                self._admit()
            except Exception:  # a bug here must not end the loop: nothing would start
                log.exception("admitting runs failed")

    def _unprepare(self, run_id: int) -> bool:
        """Forget that `run_id`'s log was made ahead (it starts, or never will); whether it
        was."""
        with self._lock:
            if run_id not in self._prepared:
                return False
            self._prepared.discard(run_id)
            return True

    def _admit(self) -> None:
        decision = self.admission.take(self.clock.now())
        for ticket, reason in decision.skip:
            if self._unprepare(ticket.run_id):  # its log was made when it was armed
                self._log_path(ticket).unlink(missing_ok=True)
            self._put(_Skip(ticket.run_id, reason, self.clock.now()))
        self._spawning = bool(decision.start)
        try:
            server = server_environment(self.settings) if decision.start else {}
            for ticket in decision.start:
                if self._closing:  # not started after all: it stays queued for the next start
                    self.admission.ended(ticket.run_id)
                    continue
                self._launch(ticket, server)
        finally:
            self._spawning = False
            self._last_spawn = time.monotonic()

    def _launch(self, ticket: Ticket, server: dict[str, str]) -> None:
        run_id = ticket.run_id
        workflow = self.registry.workflows.get(ticket.workflow_type)
        if workflow is None:
            self.admission.ended(run_id)
            error = f"workflow type {ticket.workflow_type!r} is not in the registry"
            self._put(_Fail(run_id, error, self.clock.now()))
            return
        log_path = self._log_path(ticket)
        prepared = self._unprepare(run_id)
        tag = run_tag(self.instance, run_id)
        env = job_environment(
            self.settings,
            workflow.env,
            {
                "TICKWORK_RUN_ID": str(run_id),
                "TICKWORK_SCHEDULE_ID": ticket.schedule_id,
                RUN_TAG: tag,
            },
            server=server,
        )
        spec = ProcessSpec(
            argv=list(ticket.command),
            cwd=workflow.working_dir,
            env=env,
            timeout_seconds=ticket.timeout_seconds,
            log_path=log_path,
            log_max_bytes=self.settings.log_max_bytes,
            tail_bytes=self.settings.output_tail_bytes,
            kill_grace_seconds=self.settings.kill_grace_seconds,
            tag=tag,
            log_prepared=prepared,
        )
        live = _Live(ticket, Control(resources=self._series(run_id)), log_path)
        with self._lock:
            self._live[run_id] = live
        try:
            pid = self._launcher.launch(
                spec, live.control, lambda result: self._ended(live, result)
            )
        except LaunchError as exc:
            live.start_put = True  # nothing to record but its end
            self._ended(live, exc.result)
            return
        except Exception:
            log.exception("run %s: could not be launched", run_id)
            live.start_put = True
            now = time.time()
            self._ended(live, ProcessResult("failed", None, now, now, "", INTERNAL_ERROR))
            return
        # Real time, like the end the process reports: the clock decides, it does not measure.
        start = lifecycle.Start(run_id, datetime.now(UTC), pid, None, self.instance, str(log_path))
        with live.lock:
            self._put(_Start(start))
            live.start_put = True
            end, live.end = live.end, None
        if end is not None:
            self._put(end)

    def _series(self, run_id: int) -> Series | None:
        """The run's resource series, whose new points ask the writer for a write; None when
        sampling is off."""
        if self.settings.resource_sample_seconds <= 0:
            return None
        series = Series(self.settings.resource_sample_seconds)
        series.on_new = lambda: self._put(_Samples(run_id, series))
        return series

    def _log_path(self, ticket: Ticket) -> Path:
        return self.settings.logs_dir / ticket.schedule_id / f"{ticket.run_id}.log"

    def _ended(self, live: _Live, result: ProcessResult) -> None:
        """The launcher's on_end: free the slot at once, record the end after the start."""
        self.admission.ended(live.ticket.run_id)
        series = live.control.resources
        end = _End(live.ticket.run_id, _finish(result, series), series)
        with live.lock:
            held = not live.start_put
            if held:
                live.end = end  # its start is being put: the launch puts this after it
        if not held:
            self._put(end)
        self._poke()

    # -- the writer -------------------------------------------------------------------------

    def _put(self, item: _Item) -> None:
        with self._written:
            self._items.append(item)
            if len(self._items) == 1:
                # Only an idle writer needs waking: a busy one takes what piled up next, and
                # a wake per spawn of a burst would be a thousand GIL hand-offs.
                self._written.notify_all()

    def _flush(self) -> None:
        """Wait until the writer has written (or given up on) everything put so far."""
        with self._written:
            self._written.notify_all()
            while self._items or self._writing:
                if not self._written.wait(timeout=30):
                    log.warning("shutdown: %d run write(s) left unwritten", len(self._items))
                    return

    def _write_loop(self) -> None:
        while True:
            with self._written:
                while not self._items:
                    if self._closing and not self._active():
                        self._written.notify_all()
                        return
                    self._written.wait(timeout=0.2 if self._closing else None)
                self._yield_to_spawns()
                batch = list(self._items)
                self._items.clear()
                self._writing = True
            try:
                self._write(batch)
            except Exception:
                log.exception("recording %d run change(s) failed", len(batch))
            finally:
                with self._written:
                    self._writing = False
                    self._written.notify_all()

    def _yield_to_spawns(self) -> None:
        """Wait (under `_written`) while a burst is being spawned: writing is Python work that
        shares the GIL with the spawn loop, and a start is recorded with the time of its spawn
        anyway. So the spawns go first, and the burst's starts are then one transaction."""
        deadline = time.monotonic() + WRITE_YIELD_MAX_SECONDS
        while not self._closing and time.monotonic() < deadline:
            quiet = time.monotonic() - self._last_spawn
            if not self._spawning and quiet >= WRITE_QUIET_SECONDS:
                return
            self._written.wait(WRITE_QUIET_SECONDS)

    def _write(self, batch: list[_Item]) -> None:
        """Everything in `batch` in one transaction, retried through storage trouble until
        shutdown; a batch that fails for another reason is written item by item, so one bad
        row holds up no other run."""
        batch = [_taken(_with_process_start(item)) for item in batch]
        try:
            moved = _persist(
                lambda: self.store.transact(
                    lambda session: _apply(session, batch, self._argv, self.health)
                ),
                _describe(batch),
                lambda: self._closing,
            )
        except Exception as exc:
            if problem(exc) is not None:  # only at shutdown: start-up recovery ends them
                log.warning("run changes not recorded at shutdown: %s", exc)
                self._forget(batch)
                _samples_lost(batch)
                return
            log.exception("recording a batch of run changes failed; writing one by one")
            moved = [self._write_alone(item) for item in batch]
        self._after(batch, moved)

    def _write_alone(self, item: _Item) -> Moved | None:
        try:
            return self.store.transact(
                lambda session: _apply(session, [item], self._argv, self.health)
            )[0]
        except Exception:
            log.exception("run %s: its change could not be recorded", _run_id(item))
        _samples_lost([item])
        if isinstance(item, _End | _Fail):
            try:
                fail = _Fail(_run_id(item), INTERNAL_ERROR, self.clock.now())
                return self.store.transact(
                    lambda session: _apply(session, [fail], self._argv, self.health)
                )[0]
            except Exception:
                log.error("run %s: its end is not recorded; the next start ends it", _run_id(item))
        return None

    def _after(self, batch: list[_Item], moved: list[Moved | None]) -> None:
        """What follows a committed batch: stop a run whose start was refused, tell the page,
        forget ended runs and admit their follow-ups."""
        follow_ups: list[int] = []
        for item, outcome in zip(batch, moved, strict=True):
            run_id = _run_id(item)
            if isinstance(item, _Samples):
                continue
            if isinstance(item, _Start):
                if outcome:
                    log.info("run %s started: pid %s", run_id, item.start.pid)
                    self._publish(run_id, "started")
                else:  # cancelled between its admission and its spawn
                    self.stop(run_id, "cancelled")
                continue
            if isinstance(item, _End | _Fail):
                with self._lock:
                    self._live.pop(run_id, None)
            if outcome:
                follow_ups += outcome.follow_ups
                self._publish(run_id, "finished")
                for schedule_id in outcome.switched_off:  # pause_on_failure switched it off
                    self.bus.publish("schedule", action="updated", schedule_id=schedule_id)
                log.info("run %s ended: %s", run_id, outcome.to)
        if follow_ups:
            self._admit_follow_ups(follow_ups)

    def _admit_follow_ups(self, run_ids: list[int]) -> None:
        """Retries and chained runs an end queued: read as tickets, handed to admission."""
        try:
            found = self.store.read(lambda session: tickets.load(session, run_ids))
        except Exception as exc:
            if problem(exc) is None:
                raise
            log.warning(
                "follow-up runs %s not admitted now (%s); the next start does", run_ids, exc
            )
            return
        for ticket in found:
            self._publish(ticket.run_id, "queued")
        self.submit(found)

    def _argv(self, schedule: ScheduleRow) -> list[str]:
        """The command of a run chained after another: the schedule's workflow with its
        parameters (ValidationFailed when they no longer fit; the run is then failed)."""
        return self.registry.get(schedule.workflow_type).argv(schedule.parameters)

    def _forget(self, batch: list[_Item]) -> None:
        with self._lock:
            for item in batch:
                if isinstance(item, _End | _Fail):
                    self._live.pop(_run_id(item), None)

    def _publish(self, run_id: int, action: str) -> None:
        self.bus.publish("run", action=action, run_id=run_id)


def _apply(
    session: Session,
    batch: list[_Item],
    argv: lifecycle.Argv,
    health: HealthRecorder | None = None,
) -> list[Moved | None]:
    """The batch's transitions in order; consecutive starts in one `start_many`. `argv` builds
    the commands of runs an end chains after it; `health` follows the schedules' health."""
    out: list[Moved | None] = []
    starts: list[lifecycle.Start] = []

    def flush_starts() -> None:
        out.extend(lifecycle.start_many(session, starts, health=health))
        starts.clear()

    for item in batch:
        if isinstance(item, _Start):
            starts.append(item.start)
            continue
        flush_starts()
        if isinstance(item, _Samples):
            if item.taken is not None:
                resources.save(session, item.run_id, item.taken)
            out.append(None)
        elif isinstance(item, _End):
            if item.taken is not None:  # its last points, in the transaction of its end
                resources.save(session, item.run_id, item.taken)
            out.append(
                lifecycle.finish(session, item.run_id, item.finish, argv=argv, health=health)
            )
        elif isinstance(item, _Fail):
            out.append(
                lifecycle.fail(session, item.run_id, item.error, item.at, argv=argv, health=health)
            )
        else:
            out.append(lifecycle.skip(session, item.run_id, item.reason, item.at))
    flush_starts()
    return out


def _with_process_start(item: _Item) -> _Item:
    """A start with its process's start time, read here (the writer's thread), not in the
    admitter's: it names the process for recovery and costs a read of /proc per run."""
    if not isinstance(item, _Start) or item.start.pid_started_at is not None:
        return item
    start = item.start
    return _Start(
        lifecycle.Start(
            start.run_id,
            start.at,
            start.pid,
            process_started_at(start.pid),
            start.owner,
            start.log_path,
        )
    )


def _taken(item: _Item) -> _Item:
    """An item with its series' new points taken now, before the transaction: a retried
    transaction writes the same points again, never a later take's."""
    if isinstance(item, _Samples | _End) and item.series is not None and item.taken is None:
        return replace(item, taken=item.series.take())
    return item


def _samples_lost(batch: Sequence[_Item]) -> None:
    """Points taken for writes that did not land: the next write of each series rewrites
    it whole, so the store keeps no gap."""
    for item in batch:
        if isinstance(item, _Samples | _End) and item.series is not None:
            item.series.lost()


_KINDS: dict[type, str] = {
    _Start: "start",
    _End: "end",
    _Fail: "end",
    _Skip: "skip",
    _Samples: "resource samples",
}


def _describe(batch: list[_Item]) -> str:
    """What a batch records, for the outage message: "recording the end of run 5"."""
    kinds: dict[str, list[str]] = {}
    for item in batch:
        kind = _KINDS[type(item)]
        kinds.setdefault(kind, []).append(str(_run_id(item)))
    return "recording " + "; ".join(
        f"the {kind} of run {', '.join(ids)}" for kind, ids in kinds.items()
    )


def _run_id(item: _Item) -> int:
    return item.start.run_id if isinstance(item, _Start) else item.run_id


def _finish(result: ProcessResult, series: Series | None = None) -> lifecycle.Finish:
    """The end to record. Without samples (a run shorter than the interval) the CPU mean is
    its CPU time over its duration, from the kernel's accounting of what it waited for."""
    summary = series.summary() if series is not None else None
    cpu_mean = summary.cpu_percent_mean if summary else None
    took = result.finished_at - result.started_at
    if cpu_mean is None and result.cpu_seconds is not None and took > 0:
        cpu_mean = round(100 * result.cpu_seconds / took, 2)
    return lifecycle.Finish(
        outcome=RunStatus(result.outcome),
        started_at=_at(result.started_at),
        finished_at=_at(result.finished_at),
        exit_code=result.exit_code,
        output_tail=result.output_tail,
        error=result.error,
        cpu_seconds=result.cpu_seconds,
        peak_memory_bytes=result.peak_memory_bytes,
        cpu_percent_mean=cpu_mean,
        cpu_percent_peak=summary.cpu_percent_peak if summary else None,
        memory_mean_bytes=summary.memory_mean_bytes if summary else None,
    )
