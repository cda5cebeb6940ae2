"""Wires the roles together for one process: store, registry, executor, scheduler, service."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from tickwork.clock import SYSTEM, Clock
from tickwork.config import Settings
from tickwork.dashboard import Dashboard
from tickwork.dispatch import Dispatcher
from tickwork.errors import StorageUnavailable
from tickwork.events import EventBus
from tickwork.executor.base import Executor
from tickwork.executor.identity import instance_name
from tickwork.executor.local import LocalExecutor
from tickwork.health import HealthChange, HealthListener, Policy
from tickwork.metrics import Metrics
from tickwork.notify import health_events, weekly_report
from tickwork.notify.channels import ChannelService
from tickwork.notify.sender import Sender
from tickwork.portable import Backup
from tickwork.recovery import adopt_queued, recover_lost_runs
from tickwork.scheduler import resume
from tickwork.scheduler.engine import SchedulerEngine
from tickwork.scheduler.health_check import HealthCheck
from tickwork.service import ScheduleService
from tickwork.store.db import Outage, Store, problem
from tickwork.store.health import HealthRecorder
from tickwork.store.pruning import prune_history, prune_outbox, prune_rollups
from tickwork.workflows import load_registry

log = logging.getLogger(__name__)


def prepare_data_dir(settings: Settings) -> None:
    """The data directory, private to us: it holds the database, the session key and the runs'
    logs, which may carry whatever a job printed. Created 0700, the SQLite file 0600 (SQLite
    gives its -wal and -shm files the database file's mode)."""
    data_dir = settings.data_dir
    if not data_dir.exists():
        data_dir.mkdir(parents=True, mode=0o700)
        data_dir.chmod(0o700)  # mkdir's mode passes through the umask
    elif data_dir.stat().st_mode & 0o077:
        log.warning("%s can be read by other users; chmod 700 it", data_dir)
    if settings.database_url is None:
        database = data_dir / "tickwork.db"
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))


class Runtime:
    def __init__(self, settings: Settings, clock: Clock = SYSTEM) -> None:
        self.settings = settings
        self.clock = clock
        prepare_data_dir(settings)
        self.registry = load_registry(settings.registry_path)
        self.store = Store(settings.db_url, settings.busy_timeout_seconds)
        self.bus = EventBus()
        self.instance = instance_name()
        # Called with the session of the transaction that writes each health transition, so
        # what a listener writes (a notification's outbox row) commits with it.
        self.health_listeners: list[HealthListener] = [health_events.announce]
        self.health = HealthRecorder(
            Policy.of(settings), self.health_listeners, publish=self._health_changed
        )
        self.executor: Executor = LocalExecutor(
            settings, self.store, self.registry, self.bus, self.instance, clock, health=self.health
        )
        self.dispatcher = Dispatcher(
            self.store, self.registry, self.executor, self.bus, clock, health=self.health
        )
        self.engine = SchedulerEngine(
            self.store, self.dispatcher, self.bus, clock, settings.fire_lead_seconds
        )
        self.service = ScheduleService(
            settings, self.store, self.registry, self.engine, self.executor, self.bus, clock
        )
        self.dashboard = Dashboard(settings, self.store, self.engine, self.service.cache, clock)
        self.backup = Backup(self.service, settings.data_dir, settings.backup_count)
        self.service.on_change.append(self.backup.changed)
        # Sends what the outbox holds: started with the scheduler, which makes the events.
        self.sender = Sender(settings, self.store, clock)
        self.channels = ChannelService(self.store, self.service, self.sender, clock)
        self.health_check = HealthCheck(
            self.store, self.health, clock, settings.health_check_interval_seconds
        )
        self.weekly_report = weekly_report.WeeklyReport(self.store, settings, clock)
        # GET /metrics: runs counted as their ends commit (whoever writes them), gauges read
        # from the store at each scrape.
        self.metrics = Metrics(
            self.store, clock, self._scheduler_here, per_schedule=settings.metrics_per_schedule
        )
        self.store.run_listeners.append(self.metrics.observe)
        self._started = False
        self.hosts_scheduler = False  # whether start() started the scheduler here
        self._first_prune: threading.Thread | None = None
        self._prune_outage = Outage("pruning history")
        # Set at start when the store was empty but schedules.json was not (see Backup).
        self.orphaned_mirror: Path | None = None

    def start(self, scheduler: bool = True) -> None:
        """Migrate the store and start firing; `scheduler=False` serves the API only."""
        self.store.migrate()
        log.info(
            "store %s; registry %s with %d workflow(s)",
            self.store.engine.url.render_as_string(hide_password=True),
            self.registry.source,
            len(self.registry.workflows),
        )
        self.orphaned_mirror = self.backup.check_at_start()
        if scheduler:
            recover_lost_runs(
                self.store,
                self.instance,
                self.settings.kill_grace_seconds,
                argv=lambda s: self.registry.get(s.workflow_type).argv(s.parameters),
                health=self.health,
            )
            self.executor.start()
            self.sender.start()
            self.executor.submit(adopt_queued(self.store, self.instance))
            self.engine.start(self.settings.catch_up_window_seconds)
            self.engine.every(self.settings.prune_interval_seconds, self.prune, "tickwork.prune")
            self.engine.every(
                resume.INTERVAL_SECONDS, resume.Resumer(self.service).turn, "tickwork.resume"
            )
            self.engine.every(
                self.settings.health_check_interval_seconds,
                self.health_check.turn,
                "tickwork.health",
            )
            self.engine.every(
                weekly_report.INTERVAL_SECONDS, self.weekly_report.turn, "tickwork.report"
            )
            self.hosts_scheduler = True
            self._first_prune = threading.Thread(target=self.prune, name="tickwork-prune")
            self._first_prune.start()
        self._started = True

    @property
    def started(self) -> bool:
        return self._started

    def _scheduler_here(self) -> bool | None:
        """Whether the scheduler this process hosts runs; None when it hosts none."""
        return self.engine.alive if self.hosts_scheduler else None

    def _health_changed(self, change: HealthChange) -> None:
        """After the transition committed: the page re-reads the schedule."""
        self.bus.publish(
            "schedule", action="health", schedule_id=change.schedule_id, health=change.state.value
        )

    def prune(self) -> None:
        """Prune the history; a store in trouble only delays it to the next turn (said once
        per outage), it must not kill the thread or the scheduler's job."""
        try:
            prune_history(self.store, self.settings, self.clock.now())
            prune_outbox(self.store, self.settings, self.clock.now())
            prune_rollups(self.store, self.clock.now())
        except Exception as exc:
            if problem(exc) is None:
                raise
            self._prune_outage.failed(exc)
        else:
            self._prune_outage.over()

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        self.engine.shutdown()
        try:
            self.executor.shutdown(self.settings.shutdown_grace_seconds)
        except (StorageUnavailable, SQLAlchemyError) as exc:  # the store failing must not
            log.warning("shutdown could not record its runs: %s", exc)  # stop the stop
        self.sender.stop()  # after the runs' ends: what they enqueued waits for the next start
        if self._first_prune is not None:
            self._first_prune.join()
        self.backup.close()
        self.service.cache.close()
        self.store.dispose()
