"""The local executor: a bounded thread pool that turns queued runs into finished ones.

The pool size is the global limit on concurrent runs; runs beyond it wait as `queued`.
Every state change is a conditional update that must change exactly one row, so a run that
was cancelled while it waited is never started, and a finished run is never rewritten.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tickwork.config import Settings
from tickwork.errors import StorageUnavailable
from tickwork.events import EventBus
from tickwork.executor.identity import process_started_at
from tickwork.executor.process import (
    RUN_TAG,
    Control,
    ProcessResult,
    ProcessSpec,
    run_process,
    run_tag,
)
from tickwork.store import lifecycle, runs
from tickwork.store.db import Outage, Store, problem, transient
from tickwork.store.lifecycle import RunStatus
from tickwork.store.tables import ScheduleRow
from tickwork.workflows import Registry

log = logging.getLogger(__name__)


RETRY_MAX_DELAY_SECONDS = 5.0
# How long a queued run keeps trying to read itself through lost connections before it fails.
START_RETRY_SECONDS = 600.0


def _persist(write: Callable[[], None], what: str, closing: Callable[[], bool]) -> None:
    """Retry a run's final write until it lands: through a database outage, or a disk so full
    that SQLite cannot grow its journal. Giving up would leave the run 'running' for ever,
    blocking its schedule (forbid) until the next restart; so only shutdown stops the retries,
    and start-up recovery then ends the run (its owner is gone)."""
    delay = 0.5
    outage = Outage(what)
    while True:
        try:
            write()
            outage.over()
            return
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
) -> dict[str, str]:
    """A job's environment: the allow-listed part of the server's, then the workflow's own
    `env`, then the run's identity. Never the whole of the server's: it holds the API token,
    the session key and the database URL, and a job's log is readable by every viewer."""
    server = dict(os.environ if environ is None else environ)
    env = {name: value for name, value in server.items() if _inherited(settings, name, value)}
    return {**env, **workflow_env, "PYTHONUNBUFFERED": "1", **run_vars}


def _inherited(settings: Settings, name: str, value: str) -> bool:
    if name.upper().startswith("TICKWORK_"):
        return False  # settings, whatever the allow-list says (config.py refuses to list them)
    if not any(fnmatch.fnmatchcase(name, entry) for entry in settings.job_env_allowlist):
        return False
    secrets = [s for s in (settings.api_token, settings.secret_key, settings.database_url) if s]
    if any(secret in value for secret in secrets):
        log.warning("not passing %s to jobs: its value holds one of the server's secrets", name)
        return False
    return True


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class LocalExecutor:
    def __init__(
        self, settings: Settings, store: Store, registry: Registry, bus: EventBus, instance: str
    ) -> None:
        self.instance = instance
        self._closing = False
        self.settings = settings
        self.store = store
        self.registry = registry
        self.bus = bus
        self._pool = ThreadPoolExecutor(
            max_workers=settings.max_concurrent_runs, thread_name_prefix="tickwork-run"
        )
        self._controls: dict[int, Control] = {}
        self._lock = threading.Lock()

    def submit(self, run_id: int) -> None:
        self._pool.submit(self._execute, run_id)

    def stop(self, run_id: int, reason: str = "cancelled") -> bool:
        """Stop a run this process is executing; False when it is not ours."""
        with self._lock:
            control = self._controls.get(run_id)
        if control is None:
            return False
        control.cancel(reason)
        return True

    def shutdown(self, grace: float) -> None:
        """Let running runs finish for up to `grace` seconds, then stop them; runs still
        waiting for a slot are not started. Everything ends recorded as what it was."""
        with self._lock:
            self._closing = True
        deadline = time.monotonic() + grace
        while self._active() and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._lock:
            controls = list(self._controls.values())
        for control in controls:
            control.cancel("stopped: tickwork shut down")
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self.store.session() as session:
            lifecycle.cancel_unstarted(
                session, self.instance, "tickwork shut down before it started", datetime.now(UTC)
            )
        if controls:
            log.warning("stopped %d run(s) still going at shutdown", len(controls))

    def _active(self) -> bool:
        with self._lock:
            return bool(self._controls)

    def _execute(self, run_id: int) -> None:
        try:
            self._execute_retrying(run_id)
        except StorageUnavailable as exc:
            log.warning("run %s: %s", run_id, exc.message)
            try:
                self._finish_with_error(run_id, exc.message)
            except (DBAPIError, StorageUnavailable):
                log.warning("run %s: could not record that either; recovery ends it", run_id)
        except Exception:  # a bug here must not kill the pool thread silently
            log.exception("run %s: executor error", run_id)
            try:
                self._finish_with_error(run_id, "internal error in the executor; see server log")
            except (DBAPIError, StorageUnavailable):  # only at shutdown: retries end there
                log.error("run %s: its end is not recorded; the next start ends it", run_id)

    def _execute_retrying(self, run_id: int) -> None:
        """The run's store reads may meet a lost connection: then it is tried again. A run
        starts only while it is still queued, so a second try never starts it twice (a failed
        start record raises StorageUnavailable, which is not tried again)."""
        delay, deadline = 0.5, time.monotonic() + START_RETRY_SECONDS
        while True:
            try:
                return self._execute_run(run_id)
            except DBAPIError as exc:
                if not transient(exc) or time.monotonic() >= deadline:
                    raise
                log.warning("run %s: store unavailable (%s); retrying", run_id, type(exc).__name__)
            time.sleep(delay)
            delay = min(delay * 2, RETRY_MAX_DELAY_SECONDS)

    def _execute_run(self, run_id: int) -> None:
        if self._closing:
            return  # left queued; shutdown records it
        control = Control()
        with self.store.reading() as session:
            run = runs.get(session, run_id)
            if run is None or run.status != RunStatus.QUEUED:
                return  # cancelled while it waited, or already taken
            schedule = session.get(ScheduleRow, run.schedule_id)
            assert schedule is not None  # runs are deleted with their schedule
            workflow = self.registry.workflows.get(schedule.workflow_type)
            timeout = schedule.timeout_seconds
        if workflow is None:
            self._finish_with_error(
                run_id, f"workflow type {schedule.workflow_type!r} is not in the registry"
            )
            return
        log_path = self.settings.logs_dir / run.schedule_id / f"{run_id}.log"
        env = job_environment(
            self.settings,
            workflow.env,
            {
                "TICKWORK_RUN_ID": str(run_id),
                "TICKWORK_SCHEDULE_ID": run.schedule_id,
                RUN_TAG: run_tag(self.instance, run_id),
            },
        )
        spec = ProcessSpec(
            argv=list(run.command),
            cwd=workflow.working_dir,
            env=env,
            timeout_seconds=timeout,
            log_path=log_path,
            log_max_bytes=self.settings.log_max_bytes,
            tail_bytes=self.settings.output_tail_bytes,
            kill_grace_seconds=self.settings.kill_grace_seconds,
            tag=run_tag(self.instance, run_id),
        )
        with self._lock:
            if self._closing:  # shutdown began while we read: leave it queued for it to record
                return
            self._controls[run_id] = control
        started: list[datetime] = []  # when its start was recorded, if it was
        try:
            result = run_process(
                spec,
                control,
                on_start=lambda pid: started.append(self._started(run_id, pid, log_path)),
            )
            # Still ours until its end is written: a cancel meanwhile is accepted, not a 409.
            self._finish(run_id, result, started[0] if started else _at(result.started_at))
        finally:
            with self._lock:
                self._controls.pop(run_id, None)

    def _started(self, run_id: int, pid: int, log_path: Path) -> datetime:
        now = datetime.now(UTC)

        def mark_running(session: Session) -> lifecycle.Moved:
            return lifecycle.start(
                session,
                run_id,
                at=now,
                pid=pid,
                pid_started_at=process_started_at(pid),
                owner=self.instance,
                log_path=str(log_path),
            )

        # transact: tried again if the connection broke before COMMIT, and a COMMIT whose
        # answer was lost is settled, so a start that was recorded is never seen as a cancel.
        if not self.store.transact(mark_running):  # cancelled between our read and the spawn
            self.stop(run_id, "cancelled")
            return now
        log.info("run %s started: pid %s", run_id, pid)
        self._publish(run_id, "started")
        return now

    def _finish(self, run_id: int, result: ProcessResult, started: datetime) -> None:
        end = lifecycle.Finish(
            outcome=RunStatus(result.outcome),
            started_at=started,
            finished_at=_at(result.finished_at),
            exit_code=result.exit_code,
            output_tail=result.output_tail,
            error=result.error,
            cpu_seconds=result.cpu_seconds,
            peak_memory_bytes=result.peak_memory_bytes,
        )
        _persist(
            lambda: self._record(run_id, end),
            f"recording the end of run {run_id}",
            lambda: self._closing,
        )
        log.info("run %s finished: %s (exit %s)", run_id, result.outcome, result.exit_code)
        self._publish(run_id, "finished")

    def _record(self, run_id: int, end: lifecycle.Finish) -> None:
        with self.store.session() as session:
            lifecycle.finish(session, run_id, end)  # not done: it ended already (a cancel)

    def _finish_with_error(self, run_id: int, error: str) -> None:
        ended: list[bool] = []
        _persist(
            lambda: ended.append(self._end_with_error(run_id, error)),
            f"recording the failure of run {run_id}",
            lambda: self._closing,
        )
        if not ended[-1]:
            return
        log.warning("run %s failed: %s", run_id, error)
        self._publish(run_id, "finished")

    def _end_with_error(self, run_id: int, error: str) -> bool:
        with self.store.session() as session:
            return lifecycle.fail(session, run_id, error, datetime.now(UTC)).done

    def _publish(self, run_id: int, action: str) -> None:
        self.bus.publish("run", action=action, run_id=run_id)
