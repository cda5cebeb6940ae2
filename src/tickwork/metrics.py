"""What GET /metrics tells Prometheus: runs counted as they end, and gauges read at scrape.

    run ends/starts ──COMMIT──> Metrics.observe (a Store run listener, store/observers.py)
        tickwork_runs_finished_total{schedule,status,trigger}     counter
        tickwork_run_duration_seconds{schedule}                   histogram, runs that ran
        tickwork_fire_lateness_seconds                            histogram, cron fires only
    scrape ──> _StoreCollector: one read transaction, three small queries
        tickwork_queue_depth, tickwork_runs_running               runs by status (indexed)
        tickwork_scheduler_up, _paused, _last_heartbeat_timestamp_seconds   settings rows
        tickwork_schedule_info / _enabled / _last_success_timestamp_seconds{schedule}
        tickwork_database_up                                      0 while the store is down

The counters and histograms are this process's, since it started: Prometheus's rate() and
increase() take the reset of a restart in their stride. The gauges come from the store, so
any process answers them alike. `schedule` is the schedule's id, not its name: names may repeat
and change, an id never does; tickwork_schedule_info carries the name to join on. A schedule's
series stay until the process restarts, even after it is deleted. Rendering costs some 20 µs a
series (prometheus_client's exposition), so a store of thousands of schedules may turn the
schedule label off (setting metrics_per_schedule).

Each Metrics has a registry of its own (not prometheus_client's global one), so several
runtimes in one process (the tests) never count into each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, Info, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tickwork import __version__
from tickwork.clock import Clock
from tickwork.errors import StorageUnavailable
from tickwork.scheduler.state import HEARTBEAT_KEY, PAUSED_KEY
from tickwork.store.db import Outage, Store, problem
from tickwork.store.observers import RunChange
from tickwork.store.tables import RunRow, ScheduleRow, SettingRow
from tickwork.vitals import HEARTBEAT_STALE_SECONDS

# Jobs take seconds to hours: buckets up to half a day, few, as every schedule has its own
# histogram (13 series with +Inf, sum and count). Rendering is most of a scrape's cost.
DURATION_BUCKETS = (1, 10, 30, 60, 300, 900, 1800, 3600, 10800, 43200)
# A fire's process normally starts within milliseconds of its instant; a minute is late
# (health_late_seconds' default), past five something is wrong.
LATENESS_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
# Cron fires by their calendar. A catch-up run is late by the downtime it makes up for: it
# would tell of the outage, not of the scheduler's timing.
LATENESS_TRIGGERS = ("schedule",)
ACTIVE = ("queued", "running")
# A lost run's end is when a restart noticed it, not when its process stopped: no duration.
UNTIMED = ("lost",)


class Metrics:
    """This runtime's registry: in-process counters fed by `observe`, and the store's gauges.

    `scheduler_here` says whether this process hosts a scheduler that is running: None when
    it hosts none (`tickwork web`), so the heartbeat alone says whether one runs elsewhere.
    Without `per_schedule` nothing is labelled by schedule (setting metrics_per_schedule).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        scheduler_here: Callable[[], bool | None],
        *,
        per_schedule: bool = True,
    ) -> None:
        self.registry = CollectorRegistry()
        self.per_schedule = per_schedule
        by = ["schedule"] if per_schedule else []
        self.finished = Counter(
            "tickwork_runs_finished",
            "Runs that ended, by schedule id, final status and trigger.",
            [*by, "status", "trigger"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "tickwork_run_duration_seconds",
            "How long runs that ran took, start to end, by schedule id.",
            by,
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.lateness = Histogram(
            "tickwork_fire_lateness_seconds",
            "From a cron fire's scheduled instant to its process's start.",
            buckets=LATENESS_BUCKETS,
            registry=self.registry,
        )
        Info("tickwork_build", "The tickwork version serving.", registry=self.registry).info(
            {"version": __version__}
        )
        ProcessCollector(registry=self.registry)
        self.registry.register(_StoreCollector(store, clock, scheduler_here, per_schedule))

    def observe(self, changes: Sequence[RunChange]) -> None:
        """A store run listener: count what a transaction committed."""
        for change in changes:
            if change.status == "running":
                self._started(change)
            else:
                self._ended(change)

    def _started(self, change: RunChange) -> None:
        if change.trigger in LATENESS_TRIGGERS and change.started_at is not None:
            late = (change.started_at - change.scheduled_for).total_seconds()
            self.lateness.observe(max(late, 0.0))  # an armed run never starts early

    def _ended(self, change: RunChange) -> None:
        by = [change.schedule_id] if self.per_schedule else []
        self.finished.labels(*by, change.status, change.trigger).inc()
        ran_for = change.ran_for
        if ran_for is not None and change.status not in UNTIMED:
            (self.duration.labels(*by) if by else self.duration).observe(ran_for)

    def render(self, accept: str | None) -> tuple[bytes, str]:
        """The exposition in the format the scraper asked for (OpenMetrics or text 0.0.4),
        and its content type."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(_WithoutCreated(self.registry)), content_type


class _WithoutCreated(Collector):
    """The registry without the `_created` series prometheus_client adds to every counter and
    histogram child: they would double the series for nothing Prometheus needs (it reads
    resets from the counter itself). Dropped here, not by prometheus_client's global switch,
    which would change the metrics of an application tickwork runs inside."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        for family in self.registry.collect():
            created = f"{family.name}_created"
            family.samples = [s for s in family.samples if s.name != created]
            yield family


class _StoreCollector(Collector):
    """The gauges, read from the store at each scrape: three queries, none that reads runs
    beyond the active ones (ix_runs_status_id), whatever the size of the history."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        scheduler_here: Callable[[], bool | None],
        per_schedule: bool,
    ) -> None:
        self.store = store
        self.clock = clock
        self.scheduler_here = scheduler_here
        self.per_schedule = per_schedule
        self._outage = Outage("reading metrics")  # a scrape every 15 s logs it once

    def collect(self) -> Iterable[GaugeMetricFamily]:
        database = GaugeMetricFamily(
            "tickwork_database_up", "1 while the database answers the scrape's queries."
        )
        try:
            read = self.store.read(lambda session: _Read(session, self.per_schedule))
        except (StorageUnavailable, SQLAlchemyError) as exc:
            if problem(exc) is None:
                raise
            self._outage.failed(exc)
            database.add_metric([], 0)
            return [database]
        self._outage.over()
        database.add_metric([], 1)
        return [database, *self._scheduler(read), *read.families()]

    def _scheduler(self, read: _Read) -> list[GaugeMetricFamily]:
        here = self.scheduler_here()
        beat = read.heartbeat
        fresh = beat is not None and (
            (self.clock.now() - beat).total_seconds() <= HEARTBEAT_STALE_SECONDS
        )
        up = GaugeMetricFamily(
            "tickwork_scheduler_up",
            "1 while a scheduler runs: its heartbeat is fresh (and, in a process that hosts "
            "one, that one is started).",
            value=int(fresh and here is not False),
        )
        paused = GaugeMetricFamily(
            "tickwork_scheduler_paused",
            "1 while the scheduler is paused: no cron fire runs.",
            value=int(read.paused),
        )
        families = [up, paused]
        if beat is not None:
            families.append(
                GaugeMetricFamily(
                    "tickwork_scheduler_last_heartbeat_timestamp_seconds",
                    "When a scheduler last wrote its heartbeat (every 2 s while it runs).",
                    value=beat.timestamp(),
                )
            )
        return families


class _Read:
    """What one scrape reads, in the read transaction it is given."""

    def __init__(self, session: Session, per_schedule: bool) -> None:
        counts: dict[str, int] = dict(
            session.execute(
                select(RunRow.status, func.count())
                .where(RunRow.status.in_(ACTIVE))
                .group_by(RunRow.status)
            ).all()
        )
        self.queued = int(counts.get("queued", 0))
        self.running = int(counts.get("running", 0))
        settings: dict[str, str] = dict(
            session.execute(
                select(SettingRow.key, SettingRow.value).where(
                    SettingRow.key.in_((PAUSED_KEY, HEARTBEAT_KEY))
                )
            ).all()
        )
        self.paused = settings.get(PAUSED_KEY) == "1"
        beat = settings.get(HEARTBEAT_KEY)
        self.heartbeat = datetime.fromisoformat(beat) if beat else None
        self.per_schedule = per_schedule
        query = select(
            ScheduleRow.id,
            ScheduleRow.name,
            ScheduleRow.workflow_type,
            ScheduleRow.group,
            ScheduleRow.enabled,
            ScheduleRow.last_success_at,
        ).order_by(ScheduleRow.id)
        self.schedules = session.execute(query).all() if per_schedule else []

    def families(self) -> list[GaugeMetricFamily]:
        queue = GaugeMetricFamily(
            "tickwork_queue_depth",
            "Runs queued: waiting for a run slot, their instant, or a retry's delay.",
            value=self.queued,
        )
        running = GaugeMetricFamily(
            "tickwork_runs_running", "Runs whose process is running.", value=self.running
        )
        if not self.per_schedule:
            return [queue, running]
        info = GaugeMetricFamily(
            "tickwork_schedule_info",
            "A schedule's name, workflow and group, for joins on its id (always 1).",
            labels=["schedule", "name", "workflow_type", "group"],
        )
        enabled = GaugeMetricFamily(
            "tickwork_schedule_enabled", "1 while a schedule is on.", labels=["schedule"]
        )
        success = GaugeMetricFamily(
            "tickwork_schedule_last_success_timestamp_seconds",
            "When a schedule's newest successful run ended (absent: none yet).",
            labels=["schedule"],
        )
        for row in self.schedules:
            info.add_metric([row.id, row.name, row.workflow_type, row.group or ""], 1)
            enabled.add_metric([row.id], int(row.enabled))
            if row.last_success_at is not None:
                success.add_metric([row.id], row.last_success_at.timestamp())
        return [queue, running, info, enabled, success]
