"""SQLAlchemy tables. Times are stored as naive UTC and handed out as aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Fires that the cron claimed: one run per (schedule, instant), whichever process gets there.
CLAIMED_TRIGGERS = ("schedule", "catch_up")


class UTCDateTime(TypeDecorator[datetime]):
    """SQLite has no time zones; storing naive UTC everywhere keeps both databases alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class ScheduleRow(Base):
    __tablename__ = "schedules"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=True, index=True)
    workflow_type: Mapped[str] = mapped_column(String(100), index=True)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cron_schedule: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    timeout_seconds: Mapped[int] = mapped_column(Integer, default=1800)
    concurrency_policy: Mapped[str] = mapped_column(String(16), default="forbid")
    catch_up: Mapped[str] = mapped_column(String(8), default="once", server_default="once")
    # Run control. A failed or timed-out run is tried again up to max_retries times, the n-th
    # retry retry_delay_seconds * retry_backoff**(n-1) after it ended, capped.
    max_retries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retry_delay_seconds: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    retry_backoff: Mapped[float] = mapped_column(Float, default=2.0, server_default="2")
    retry_max_delay_seconds: Mapped[int] = mapped_column(
        Integer, default=3600, server_default="3600"
    )
    # Higher starts first when every run slot is busy (-100..100).
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A run that cannot start within this many seconds of its instant ends `skipped`.
    starting_deadline_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pause_on_failure: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Why it is off and until when (it switches itself back on then); None while enabled.
    pause_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # For people to find and act on schedules together. The column is not named `group`, a
    # reserved word in SQL; tags are a JSON list, filtered by their text (store/schedules.py).
    group: Mapped[str | None] = mapped_column("group_name", String(100), nullable=True, index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Denormalised from runs so the schedule list never has to scan the history.
    last_run: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    # When its newest successful run ended: the metrics' "last success" without a scan of the
    # history on every scrape, and still known after pruning removed that run.
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Who hears of its runs: [{"channel": channel id, "on": [event, ...]}] (store/outbox.py).
    # JSON on the row, not a table: the end of a run has the row locked already.
    notify: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )
    # Health (tickwork/health.py): the state, why, since when; written only when it changes.
    # Indexed: the dashboard lists the schedules that are not ok without reading the others.
    health: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok", index=True)
    health_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    health_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The newest fire found without a run, until an on-time run (or a change) answers it: kept
    # apart from the state, so a missed fire under a stuck run is still known when that ends.
    health_missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("schedules.id", ondelete="CASCADE")
    )
    trigger: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    duration_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    exit_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    command: Mapped[list[str]] = mapped_column(JSON, default=list)
    output_tail: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    cpu_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    peak_memory_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Over the run's resource samples (RunResourceSampleRow), written with its end: CPU
    # percent weighted by time and its highest, and the mean resident memory.
    cpu_percent_mean: Mapped[float | None] = mapped_column(Float, nullable=True)
    cpu_percent_peak: Mapped[float | None] = mapped_column(Float, nullable=True)
    memory_mean_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    log_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # With the pid, the process's start time (psutil create_time) names the process for sure:
    # after a crash and a reboot the pid may belong to something else entirely.
    pid_started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Which tickwork process runs it: "host:pid:start", so a restart knows what it left behind.
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The parameter values a "run now" replaced for this run only; None when it used the
    # schedule's own. Kept on the run because the schedule may change afterwards.
    parameter_overrides: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # The run this one follows: the attempt it retries (trigger retry) or the upstream run
    # whose outcome started it (trigger chain). No foreign key: pruning the parent keeps it.
    parent_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A queued run does not start before this (a retry's delay).
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The schedule's priority when the run was queued: the queue's order without a join.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (
        Index("ix_runs_schedule_id_id", "schedule_id", "id"),
        Index("ix_runs_status_id", "status", "id"),
        Index("ix_runs_trigger_id", "trigger", "id"),
        Index("ix_runs_finished_at", "finished_at"),
        # recent counts per status: one range each, in the index alone (migration 0005)
        Index("ix_runs_status_finished_at", "status", "finished_at"),
        Index("ix_runs_parent_run_id", "parent_run_id"),
        Index(
            "uq_runs_claimed_fire",
            "schedule_id",
            "scheduled_for",
            unique=True,
            sqlite_where=text("trigger IN ('schedule', 'catch_up')"),
            postgresql_where=text("trigger IN ('schedule', 'catch_up')"),
        ),
    )


class RollupRow(Base):
    """What some runs came to in one hour or one day (UTC), kept up to date as each run ends
    (store/rollups.py), so statistics over a million runs read a few hundred rows. A row sums
    a `scope`: one schedule ("schedule:<id>"), a group ("group:<name>", "group:" for the
    schedules in none, as they were when the run ended) or everything ("all"). Outlives the
    runs it counts: pruning history keeps the statistics."""

    __tablename__ = "run_rollups"

    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    grain: Mapped[str] = mapped_column(String(4), primary_key=True)  # "hour" | "day"
    start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    # "schedule", "group" or "all": what the scope is, so that all groups are one index range.
    kind: Mapped[str] = mapped_column(String(8))
    # Set for a schedule's own rows, which go when it goes; None for groups and everything.
    schedule_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("schedules.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # Runs ended with each status (ROLLUP_STATUSES), one column each: an end adds 1 to one.
    success: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    timeout: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancelled: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lost: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Of the runs that ran: how long (the histogram is in run_rollup_durations), CPU, memory.
    timed_runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    duration_max: Mapped[float | None] = mapped_column(Float, nullable=True)
    cpu_runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cpu_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    peak_memory_bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (Index("ix_run_rollups_kind_grain_start", "kind", "grain", "start"),)


ROLLUP_STATUSES = ("success", "failed", "timeout", "cancelled", "lost", "skipped")


class RollupDurationRow(Base):
    """How many of a rollup's runs took a duration in each bucket (tickwork/statistics.py)."""

    __tablename__ = "run_rollup_durations"

    scope: Mapped[str] = mapped_column(String(120), primary_key=True)
    grain: Mapped[str] = mapped_column(String(4), primary_key=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    schedule_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("schedules.id", ondelete="CASCADE"), nullable=True, index=True
    )
    runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (Index("ix_run_rollup_durations_kind_grain_start", "kind", "grain", "start"),)


class RunResourceSampleRow(Base):
    """What a run's process tree used over `span_seconds` ending at `at` (tickwork/resources.py):
    at most a few hundred rows per run, whatever its length. Written only by
    store/resources.py; they go with their run (pruning deletes them, and the key cascades)."""

    __tablename__ = "run_resource_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("runs.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    span_seconds: Mapped[float] = mapped_column(Float)
    cpu_percent: Mapped[float] = mapped_column(Float)
    rss_bytes: Mapped[int] = mapped_column(BigInteger)
    processes: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_run_resource_samples_run_id_at", "run_id", "at"),)


class DependencyRow(Base):
    """Schedule `schedule_id` runs after `upstream_id`'s run reaches an outcome in `on`
    (success, failure or always). A table rather than a JSON list on the schedule, so the
    end of a run finds its dependents by index."""

    __tablename__ = "schedule_dependencies"

    schedule_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True
    )
    upstream_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("schedules.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    on: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(Integer, default=0)


class SettingRow(Base):
    """Small key/value state that must survive restarts (the scheduler's paused flag)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))  # viewer | operator | admin
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """Who did what to which schedule or run, and when; written with the change itself."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChannelRow(Base):
    """Where notifications go: an apprise URL, kept as given because sending needs all of it
    (the API hands out only its redacted form). A `default` channel speaks, for the events in
    its `on`, for every schedule that names no channel of its own."""

    __tablename__ = "notification_channels"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(Text)
    default: Mapped[bool] = mapped_column(
        "default", Boolean, default=False, server_default=text("false")
    )
    on: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxRow(Base):
    """One message for one channel, written in the transaction of the event it tells of and
    sent later by the sender (tickwork.notify), so a send never holds up or fails a run.

    `body` holds the facts of the event as they were (schedule name, outcome, duration, the
    end of the log), so the message still reads right after the run was pruned. No foreign
    keys: a row outlives its run and schedule, and an end must never fail on one."""

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel_id: Mapped[str] = mapped_column(String(36))
    # None for a digest: it speaks for the rows merged into it (their digest_id).
    schedule_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    event: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the next attempt may be made (a claimed row's lease, a failed one's backoff).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The digest this row was merged into when its channel was flooded.
    digest_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        # The sender's poll: pending rows by due time.
        Index("ix_notification_outbox_status_due_at", "status", "due_at"),
        # The rate limit: a channel's attempts in the last window.
        Index("ix_notification_outbox_channel_attempt", "channel_id", "last_attempt_at"),
        Index("ix_notification_outbox_digest_id", "digest_id"),
    )
