"""Wires the roles together for one process: store, registry, executor, scheduler, service."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from tickwork.config import Settings
from tickwork.dispatch import Dispatcher
from tickwork.errors import StorageUnavailable
from tickwork.events import EventBus
from tickwork.executor.local import LocalExecutor
from tickwork.portable import Backup
from tickwork.recovery import instance_name, recover_lost_runs
from tickwork.retention import prune_history
from tickwork.scheduler.engine import SchedulerEngine
from tickwork.service import ScheduleService
from tickwork.store.db import Store
from tickwork.workflows import load_registry

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.registry = load_registry(settings.registry_path)
        self.store = Store(settings.db_url, settings.busy_timeout_seconds)
        self.bus = EventBus()
        self.instance = instance_name()
        self.executor = LocalExecutor(settings, self.store, self.registry, self.bus, self.instance)
        self.dispatcher = Dispatcher(self.store, self.registry, self.executor, self.bus)
        self.engine = SchedulerEngine(self.store, self.dispatcher, self.bus)
        self.service = ScheduleService(settings, self.store, self.registry, self.engine, self.bus)
        self.backup = Backup(self.service, settings.data_dir, settings.backup_count)
        self.service.on_change.append(self.backup.changed)
        self._started = False
        self._first_prune: threading.Thread | None = None

    def start(self, scheduler: bool = True) -> None:
        """Migrate the store and start firing; `scheduler=False` serves the API only."""
        self.store.migrate()
        log.info(
            "store %s; registry %s with %d workflow(s)",
            self.store.engine.url.render_as_string(hide_password=True),
            self.registry.source,
            len(self.registry.workflows),
        )
        if scheduler:
            recover_lost_runs(self.store, self.instance, self.settings.kill_grace_seconds)
            self.engine.start(self.settings.catch_up_window_seconds)
            self.engine.every(self.settings.prune_interval_seconds, self.prune, "tickwork.prune")
            self._first_prune = threading.Thread(target=self.prune, name="tickwork-prune")
            self._first_prune.start()
        self._started = True

    def prune(self) -> None:
        prune_history(self.store, self.settings, datetime.now(UTC))

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        self.engine.shutdown()
        try:
            self.executor.shutdown(self.settings.shutdown_grace_seconds)
        except (StorageUnavailable, SQLAlchemyError) as exc:  # the store failing must not
            log.warning("shutdown could not record unstarted runs: %s", exc)  # stop the stop
        if self._first_prune is not None:
            self._first_prune.join()
        self.backup.close()
        self.store.dispose()
