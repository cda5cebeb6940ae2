"""Pydantic models of the API and of schedules.json: the shapes at the edge.

Requests forbid unknown fields so a typo (`cron` for `cron_schedule`) is an error, not a
silently ignored setting. Cron and time-zone checks live here because they are pure; checks
that need the workflow registry happen in the service.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal, Self, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    RootModel,
    StringConstraints,
    TypeAdapter,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError

from tickwork import cron
from tickwork.errors import FieldError, ValidationFailed

RunStatus = Literal[
    "queued", "running", "success", "failed", "timeout", "cancelled", "lost", "skipped"
]
RunTrigger = Literal["schedule", "manual", "retry", "chain", "catch_up"]
ConcurrencyPolicy = Literal["forbid", "allow", "replace", "buffer_one", "buffer_all"]
DependencyOn = Literal["success", "failure", "always"]
HealthState = Literal["ok", "failing", "stuck", "missed", "late"]
CatchUpPolicy = Literal["skip", "once"]
# What a notification tells of (store/outbox.py EVENTS; docs/notifications.md).
NotifyEvent = Literal[
    "started",
    "succeeded",
    "failed",
    "timeout",
    "recovered",
    "retries_exhausted",
    "missed",
    "stuck",
]
OutboxStatus = Literal["pending", "sent", "failed", "dropped", "digested"]
EVENT_COUNT = 8


def _failures() -> list[NotifyEvent]:
    """What a subscription or a default channel hears of when it does not say."""
    return ["failed", "timeout"]


MAX_TIMEOUT = 7 * 24 * 3600
MAX_NAME = 200
# Run ids are a 32-bit integer column on PostgreSQL: a larger id cannot exist, and asking the
# database for one is an error there (integer out of range), not "no such run".
MAX_RUN_ID = 2**31 - 1
LAST_PREVIEW_YEAR = 9000


def _iso_z(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


UtcTime = Annotated[datetime, PlainSerializer(_iso_z, return_type=str)]


def _check_cron(value: str) -> str:
    try:
        return cron.validate(value)
    except ValidationFailed as exc:  # pydantic reports ValueError with the field's location
        raise ValueError(exc.errors[0].message) from None


def _check_zone(value: str) -> str:
    try:
        cron.zone(value)
    except ValidationFailed as exc:
        raise ValueError(exc.errors[0].message) from None
    return value


def nul_errors(value: Any, where: str) -> list[FieldError]:
    """Every string in `value` (nested in lists and objects too) that holds a NUL character.

    PostgreSQL cannot store NUL in text and answered with a 500; SQLite stored it, and a
    `q` of NUL matched every schedule. No field has a use for it, so the edge refuses it
    wherever it appears: path, query and body alike.
    """
    if isinstance(value, str):
        return [FieldError(where, "must not contain NUL characters")] if "\x00" in value else []
    if isinstance(value, dict):
        return [e for k, v in value.items() for e in nul_errors(v, _join(where, str(k)))] + (
            [FieldError(where or "body", "keys must not contain NUL characters")]
            if any("\x00" in str(k) for k in value)
            else []
        )
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in nul_errors(v, _join(where, str(i)))]
    return []


def _join(where: str, part: str) -> str:
    return f"{where}.{part}" if where else part


def _iso_time(value: Any) -> Any:
    """An ISO 8601 string as a datetime: bodies are validated strictly, and strict validation
    takes no string for a datetime. Anything else is left to the strict check to refuse."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"must be an ISO 8601 time: {exc}") from None
        return _check_far_future(parsed)
    return value


def _check_far_future(value: datetime) -> datetime:
    # Cron arithmetic steps past datetime.max near the year 9999 (OverflowError: a 500).
    if value.year >= LAST_PREVIEW_YEAR:
        raise ValueError(f"must be before the year {LAST_PREVIEW_YEAR}")
    return value


def field_errors(exc: PydanticValidationError, prefix: str = "") -> ValidationFailed:
    """Pydantic's errors as ours: dotted API field names and messages people can read."""
    errors = []
    for err in exc.errors():
        where = field_name(err["loc"]) or "body"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        errors.append(FieldError(f"{prefix}{where}", message))
    return ValidationFailed(errors)


# Fields whose items are named by index in brackets (notify[0].channel), as the issue that
# brought them wrote it; the older fields keep their dotted indexes (schedules.1.timezone).
BRACKETED = frozenset({"notify"})


def field_name(loc: Sequence[int | str]) -> str:
    """An error's location as an API field name: `depends_on.0.on`, `notify[0].on[1]`."""
    bracketed = False
    name = ""
    for part in loc:
        if isinstance(part, int) and bracketed:
            name += f"[{part}]"
            continue
        bracketed = bracketed or part in BRACKETED
        name = f"{name}.{part}" if name else str(part)
    return name


CronExpression = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_check_cron)]
TimeZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_zone)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
Description = Annotated[str, Field(max_length=2000)]
Timeout = Annotated[int, Field(ge=1, le=MAX_TIMEOUT)]
Retries = Annotated[int, Field(ge=0, le=100)]
DelaySeconds = Annotated[int, Field(ge=0, le=MAX_TIMEOUT)]
Backoff = Annotated[float, Field(ge=1, le=10)]
Priority = Annotated[int, Field(ge=-100, le=100)]
Deadline = Annotated[int, Field(ge=1, le=MAX_TIMEOUT)]
MAX_DEPENDENCIES = 50
MAX_TAGS = 20
# Letters, digits and a few separators: no quote or backslash can appear in a tag, so a tag
# quoted as JSON is found in the stored list's text as it is (store/schedules.py relies on it).
TAG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
MAX_BULK = 1000


def _unique(values: list[str]) -> list[str]:
    """The first of each: a tag sent twice is one tag, in the place it was first given."""
    return list(dict.fromkeys(values))


def _check_tag(value: str) -> str:
    if not re.fullmatch(TAG_PATTERN, value):
        raise ValueError("must start with a letter or digit and hold only letters, digits, _ . : -")
    return value


def _no_group(value: str) -> str | None:
    """No name at all is no group (the spaces around a name were stripped already)."""
    return value or None


# The pattern is checked by _check_tag, for a message people can read; the schema shows it.
Tag = Annotated[
    str,
    Field(min_length=1, max_length=50, json_schema_extra={"pattern": TAG_PATTERN}),
    AfterValidator(_check_tag),
]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(_unique)]
GroupText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
GroupName = Annotated[GroupText, AfterValidator(_no_group)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Dependency(Strict):
    """Run this schedule after the run of `schedule_id` ends in `on` (after its retries)."""

    schedule_id: Annotated[str, Field(min_length=1, max_length=64)]
    on: DependencyOn = "success"


MAX_SUBSCRIPTIONS = 20
ChannelId = Annotated[str, Field(min_length=1, max_length=64)]


class Subscription(Strict):
    """Send what `on` names of this schedule's runs to channel `channel`; `on: []` hears
    nothing (and still keeps the default channels away from this schedule)."""

    channel: ChannelId
    on: Annotated[list[NotifyEvent], Field(max_length=EVENT_COUNT)] = Field(
        default_factory=_failures
    )


Subscriptions = Annotated[list[Subscription], Field(max_length=MAX_SUBSCRIPTIONS)]


class DependencyLink(BaseModel):
    """A schedule upstream or downstream of this one, named for people."""

    schedule_id: str
    name: str
    on: DependencyOn


class ScheduleWarning(BaseModel):
    """Something allowed but probably unintended; it warns, it never blocks a save."""

    code: str  # duplicate_name | self_overlap | slot_overload
    message: str
    instants: list[UtcTime] = Field(default_factory=list)


class ScheduleCreateRequest(Strict):
    name: Name
    description: Description = ""
    enabled: bool = True
    workflow_type: Annotated[str, Field(min_length=1, max_length=100)]
    parameters: dict[str, Any] = Field(default_factory=dict)
    cron_schedule: CronExpression
    timezone: TimeZoneName | None = None
    timeout_seconds: Timeout = 1800
    concurrency_policy: ConcurrencyPolicy = "forbid"
    catch_up: CatchUpPolicy = "once"
    max_retries: Retries = 0
    retry_delay_seconds: DelaySeconds = 60
    retry_backoff: Backoff = 2.0
    retry_max_delay_seconds: DelaySeconds = 3600
    depends_on: Annotated[list[Dependency], Field(max_length=MAX_DEPENDENCIES)] = Field(
        default_factory=list
    )
    priority: Priority = 0
    starting_deadline_seconds: Deadline | None = None
    pause_on_failure: bool = False
    group: GroupName | None = None
    tags: Tags = Field(default_factory=list)
    notify: Subscriptions = Field(default_factory=list)


class ScheduleUpdateRequest(Strict):
    """Every field optional: only what is sent changes."""

    name: Name | None = None
    description: Description | None = None
    enabled: bool | None = None
    workflow_type: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    parameters: dict[str, Any] | None = None
    cron_schedule: CronExpression | None = None
    timezone: TimeZoneName | None = None
    timeout_seconds: Timeout | None = None
    concurrency_policy: ConcurrencyPolicy | None = None
    catch_up: CatchUpPolicy | None = None
    max_retries: Retries | None = None
    retry_delay_seconds: DelaySeconds | None = None
    retry_backoff: Backoff | None = None
    retry_max_delay_seconds: DelaySeconds | None = None
    depends_on: Annotated[list[Dependency], Field(max_length=MAX_DEPENDENCIES)] | None = None
    priority: Priority | None = None
    # null clears it (no deadline): this field is read with exclude_unset, not exclude_none.
    starting_deadline_seconds: Deadline | None = None
    pause_on_failure: bool | None = None
    # null or "" clears it (no group), read like starting_deadline_seconds; [] clears tags.
    group: GroupName | None = None
    tags: Tags | None = None
    notify: Subscriptions | None = None


class ToggleRequest(Strict):
    """`note` and `until` go with switching off: why, and when it switches itself back on."""

    enabled: bool | None = None
    note: Annotated[str, Field(max_length=500)] | None = None
    until: Annotated[datetime, BeforeValidator(_iso_time)] | None = None


class PauseRequest(Strict):
    """The scheduler-wide pause, with a note that the dashboard shows."""

    note: Annotated[str, Field(max_length=500)] | None = None


class RunNowRequest(Strict):
    """Values that replace the schedule's parameters of the same names, for this run only."""

    parameters: dict[str, Any] | None = None


class RunResponse(BaseModel):
    id: int
    schedule_id: str
    schedule_name: str | None = None
    timezone: str | None = None
    trigger: RunTrigger
    attempt: int
    scheduled_for: UtcTime
    queued_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None
    duration_seconds: float | None
    status: RunStatus
    exit_code: int | None
    # The argv, in one run's own answer (GET /runs/{id}, run now, cancel); null in lists.
    command: list[str] | None
    output_tail: str
    error: str | None
    cpu_seconds: float | None
    peak_memory_bytes: int | None
    # Over its resource samples, recorded at its end (null before, or without samples; a run
    # shorter than one sample has its CPU time over its duration as the mean).
    cpu_percent_mean: float | None = None
    cpu_percent_peak: float | None = None
    memory_mean_bytes: int | None = None
    parameter_overrides: dict[str, Any] | None = None
    # The run this one follows: the attempt it retries, or the upstream run that chained it.
    parent_run_id: int | None = None
    not_before: UtcTime | None = None
    priority: int = 0


class ScheduleHealth(BaseModel):
    """How the schedule is doing (tickwork/health.py): the state, why, and since when."""

    state: HealthState = "ok"
    reason: str | None = None
    since: UtcTime | None = None


class UnhealthySchedule(BaseModel):
    """A schedule whose health is not ok, named for people."""

    id: str
    name: str
    health: ScheduleHealth


class ScheduleResponse(BaseModel):
    id: str
    name: str
    description: str
    enabled: bool
    workflow_type: str
    parameters: dict[str, Any]
    cron_schedule: str
    cron_description: str
    timezone: str
    timeout_seconds: int
    concurrency_policy: ConcurrencyPolicy
    catch_up: CatchUpPolicy
    max_retries: int = 0
    retry_delay_seconds: int = 60
    retry_backoff: float = 2.0
    retry_max_delay_seconds: int = 3600
    depends_on: list[Dependency] = Field(default_factory=list)
    priority: int = 0
    starting_deadline_seconds: int | None = None
    pause_on_failure: bool = False
    group: str | None = None
    tags: list[str] = Field(default_factory=list)
    notify: list[Subscription] = Field(default_factory=list)
    pause_note: str | None = None
    paused_until: UtcTime | None = None
    # Named links both ways: what this schedule waits for, and what waits for it.
    upstream: list[DependencyLink] = Field(default_factory=list)
    downstream: list[DependencyLink] = Field(default_factory=list)
    created_at: UtcTime
    updated_at: UtcTime
    last_run: UtcTime | None
    last_status: RunStatus | None
    next_run: UtcTime | None
    execution_history: list[RunResponse]
    # Things allowed but probably unintended: duplicate_name, self_overlap, slot_overload.
    warnings: list[ScheduleWarning] = Field(default_factory=list)
    health: ScheduleHealth = Field(default_factory=ScheduleHealth)
    # Over the last 7 days (GET /schedules/{id}/stats has more): successes out of the runs
    # with a verdict, and the 95th percentile of how long its runs took, in seconds.
    success_rate_7d: float | None = None
    duration_p95: float | None = None


class StatsQuery(Strict):
    # 24h comes by hour; 7d, 30d and 90d by day (UTC), ending with the hour or day of now.
    window: Literal["24h", "7d", "30d", "90d"] = "7d"


class StatusCounts(BaseModel):
    """Runs ended with each status."""

    success: int = 0
    failed: int = 0
    timeout: int = 0
    cancelled: int = 0
    lost: int = 0
    skipped: int = 0


class StatsPoint(BaseModel):
    """One hour or day of a series: the runs that ended in it."""

    start: UtcTime
    runs: int
    counts: StatusCounts
    duration_p95: float | None


class RunStats(BaseModel):
    """What runs came to over a window. Durations are in seconds, percentiles within 4.4 %
    (tickwork/statistics.py); success_rate is successes out of success, failed, timeout and
    lost, None before any such run."""

    runs: int
    counts: StatusCounts
    success_rate: float | None
    duration_p50: float | None
    duration_p95: float | None
    duration_max: float | None
    duration_total: float
    cpu_seconds_mean: float | None
    peak_memory_max: int | None
    series: list[StatsPoint]


class StatsWindowFields(BaseModel):
    window: str
    bucket: Literal["hour", "day"]
    since: UtcTime
    until: UtcTime


class ScheduleStatsResponse(RunStats, StatsWindowFields):
    schedule_id: str


class GroupStats(RunStats):
    group: str | None  # None: the schedules in no group


class StatsResponse(StatsWindowFields):
    all: RunStats
    groups: list[GroupStats]


class ReportQuery(Strict):
    """Whole UTC days: `from` to `to`, both included (default: the 7 days ending today), or
    a `period` ending today. `format=csv` answers text/csv instead of JSON."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    period: Literal["day", "week", "month"] | None = None
    format: Literal["json", "csv"] = "json"


class ReportChange(BaseModel):
    """This period less the one before (success_rate in parts of 1, p95 in seconds)."""

    runs: int
    failures: int
    success_rate: float | None
    duration_p95: float | None


class ReportFigures(BaseModel):
    runs: int
    failures: int
    success_rate: float | None
    duration_total: float
    duration_p95: float | None
    cpu_seconds_total: float
    peak_memory_max: int | None
    # The period of the same length just before, and what changed since.
    previous: ReportFigures | None = None
    change: ReportChange | None = None


class ReportGroupLine(ReportFigures):
    group: str | None  # None: the schedules in no group


class ReportScheduleLine(ReportFigures):
    schedule_id: str
    schedule: str
    group: str | None


class ReportRun(BaseModel):
    run_id: int
    schedule_id: str
    schedule: str
    status: RunStatus
    started_at: UtcTime | None
    duration_seconds: float | None


class ReportResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    from_: date = Field(alias="from")
    to: date
    previous_from: date
    previous_to: date
    all: ReportFigures
    groups: list[ReportGroupLine]
    schedules: list[ReportScheduleLine]
    slowest_runs: list[ReportRun]


class Page(BaseModel):
    total: int
    page: int
    page_size: int


class ScheduleListResponse(Page):
    items: list[ScheduleResponse]


class ExecutionHistoryResponse(Page):
    items: list[RunResponse]


class RunListResponse(Page):
    items: list[RunResponse]


class PageQuery(Strict):
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=200)] = 50


class ScheduleFilterFields(Strict):
    """Which schedules: the list's filters, and a bulk action's `filter`. Every one given must
    match; `tag` holds tags that must all be on the schedule; `group` "" means no group."""

    q: Annotated[str, Field(max_length=200)] | None = None
    enabled: bool | None = None
    workflow_type: Annotated[str, Field(max_length=100)] | None = None
    last_status: RunStatus | None = None
    # Not GroupName: "" stays "" here (the schedules without a group), it is not "no filter".
    group: GroupText | None = None
    tag: Annotated[list[Tag], Field(max_length=MAX_TAGS)] | None = None


ScheduleSort = Literal[
    "name", "-name", "next_run", "-next_run", "last_run", "-last_run", "group", "-group"
]


class ScheduleListQuery(PageQuery, ScheduleFilterFields):
    # A `-` sorts descending. Ties go by name; schedules without the value come last both ways.
    sort: ScheduleSort = "name"


BulkAction = Literal["enable", "disable", "run", "delete", "set_group", "add_tag", "remove_tag"]
BULK_ACTIONS: tuple[BulkAction, ...] = get_args(BulkAction)
VALUED_ACTIONS: tuple[BulkAction, ...] = ("set_group", "add_tag", "remove_tag")
_GROUP: TypeAdapter[str | None] = TypeAdapter(GroupName)
_TAG: TypeAdapter[str] = TypeAdapter(Tag)


class BulkRequest(Strict):
    """One action on many schedules: those named by `ids`, or those `filter` matches (the
    list's filters; `{}` is every schedule). `value` is the group (set_group; "" or null for
    none) or the tag (add_tag, remove_tag), and is refused for the other actions."""

    action: BulkAction
    ids: (
        Annotated[
            list[Annotated[str, Field(min_length=1, max_length=64)]],
            Field(min_length=1, max_length=MAX_BULK),
        ]
        | None
    ) = None
    filter: ScheduleFilterFields | None = None
    value: Any = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        # Raised as ours, not as a ValueError: pydantic would file a model-level error under
        # the whole body, and these errors belong to fields the client can be told.
        errors = []
        if (self.ids is None) == (self.filter is None):
            errors.append(FieldError("ids", "send either ids or filter, not both or neither"))
        if self.action in VALUED_ACTIONS:
            errors += self._checked_value()
        elif self.value is not None:
            errors.append(FieldError("value", f"only for {', '.join(VALUED_ACTIONS)}"))
        if errors:
            raise ValidationFailed(errors)
        return self

    def _checked_value(self) -> list[FieldError]:
        if "value" not in self.model_fields_set:
            return [FieldError("value", f"required for {self.action}")]
        if self.action == "set_group" and self.value is None:
            return []  # no group
        adapter: TypeAdapter[Any] = _GROUP if self.action == "set_group" else _TAG
        try:
            self.value = adapter.validate_python(self.value, strict=True)
        except PydanticValidationError as exc:
            return [FieldError("value", field_errors(exc).errors[0].message)]
        return []


class BulkResult(BaseModel):
    """What became of one schedule: `error` says why not when `ok` is false."""

    id: str
    ok: bool
    error: str | None = None


class BulkResponse(BaseModel):
    results: list[BulkResult]


class RunListQuery(PageQuery):
    status: RunStatus | None = None


class AllRunsQuery(RunListQuery):
    trigger: RunTrigger | None = None
    schedule_id: Annotated[str, Field(max_length=64)] | None = None


class DeleteQuery(Strict):
    # true: delete it even though others depend on it, and remove their links to it.
    detach: bool = False


class ScheduleIdPath(BaseModel):
    schedule_id: Annotated[str, Field(max_length=64)]


class RunIdPath(BaseModel):
    run_id: Annotated[int, Field(ge=1, le=MAX_RUN_ID)]


class LogQuery(Strict):
    offset: Annotated[int, Field(ge=0, le=2**62)] = 0
    limit: Annotated[int, Field(ge=1, le=1024 * 1024)] = 256 * 1024


class LogSegment(BaseModel):
    """A stretch of the log from one of the run's output streams."""

    stream: Literal["stdout", "stderr"]
    text: str


class LogResponse(BaseModel):
    run_id: int
    offset: int
    next_offset: int
    content: str
    complete: bool
    # `content` cut where the stream changes: their texts joined are `content` exactly, none
    # is empty. A log written before streams were told apart is all stdout.
    segments: list[LogSegment]


class ResourceSample(BaseModel):
    """What the run's process tree used over the interval ending at `at`: CPU percent (100 is
    one core) as the mean over it, resident memory and live processes as the most seen."""

    at: UtcTime
    cpu_percent: float
    rss_bytes: int
    processes: int


class RunResourcesResponse(BaseModel):
    """A run's resource use over time, oldest first: at most a few hundred samples, a long
    run's merged so that the interval doubled. The figures are the run's own once it ended,
    and taken over the samples so far while it runs; null without samples."""

    run_id: int
    status: RunStatus
    # Between samples now: the setting, doubled for each merge; null with sampling off.
    interval_seconds: float | None
    samples: list[ResourceSample]
    cpu_percent_mean: float | None
    cpu_percent_peak: float | None
    memory_mean_bytes: int | None
    peak_memory_bytes: int | None


class NextRun(BaseModel):
    schedule_id: str
    name: str
    workflow_type: str
    timezone: str
    next_run: UtcTime


class StatusResponse(BaseModel):
    running: bool
    paused: bool
    pause_note: str | None = None
    schedules_total: int
    schedules_enabled: int
    # Schedules this process's scheduler holds a job for (0 without a scheduler); it equals
    # schedules_enabled once changes made elsewhere have arrived.
    scheduled_jobs: int
    max_concurrent_runs: int
    next_runs: list[NextRun]
    running_runs: list[RunResponse]
    queued_runs: list[RunResponse]
    recent_failures: list[RunResponse]
    recent_counts: dict[str, int]
    # Schedules whose health is not ok, most urgent first (stuck, failing, missed, late).
    unhealthy: list[UnhealthySchedule] = Field(default_factory=list)


QueueWait = Literal["slots", "not_before", "overlap"]


class QueueItem(BaseModel):
    """A queued run and why it waits, in the order the queued runs will start."""

    position: int
    priority: int
    wait: QueueWait
    reason: str
    run: RunResponse


class QueueResponse(BaseModel):
    slots_total: int
    slots_busy: int
    items: list[QueueItem]


class ParameterResponse(BaseModel):
    name: str
    flag: str
    type: str
    default: Any
    required: bool
    choices: list[Any] | None
    description: str


class WorkflowResponse(BaseModel):
    name: str
    description: str
    parameters: list[ParameterResponse]


class WorkflowListResponse(BaseModel):
    items: list[WorkflowResponse]


class TemplateResponse(BaseModel):
    id: str
    name: str
    description: str
    cron_schedule: str
    workflow_type: str
    parameters: dict[str, Any]


class TemplateListResponse(BaseModel):
    items: list[TemplateResponse]


class CronPreviewQuery(Strict):
    expression: Annotated[str, Field(max_length=200)]
    timezone: Annotated[str, Field(max_length=64)] | None = None
    count: Annotated[int, Field(ge=1, le=cron.MAX_PREVIEW)] = 5
    after: Annotated[datetime, AfterValidator(_check_far_future)] | None = None
    # The rest of the form, for the warnings: the schedule being edited (its run history and
    # its saved self, which the slot forecast then leaves out), its name and policies.
    schedule_id: Annotated[str, Field(max_length=64)] | None = None
    name: Annotated[str, Field(max_length=200)] | None = None
    timeout_seconds: Timeout | None = None
    concurrency_policy: ConcurrencyPolicy | None = None


class CronPreviewResponse(BaseModel):
    expression: str
    timezone: str
    description: str
    next_runs: list[UtcTime]
    # What the schedule would warn about once saved (never a reason to refuse it).
    warnings: list[ScheduleWarning] = Field(default_factory=list)


class PortableSchedule(ScheduleCreateRequest):
    """A schedule in schedules.json: the request fields, plus read-only ones that are ignored.

    `id` is kept so a re-import updates the same schedule instead of creating a twin.
    """

    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, Field(max_length=64)] | None = None


class PortableDocument(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: int = 1
    schedules: list[PortableSchedule]


class ImportDocument(BaseModel):
    """The import body before each schedule is checked on its own, so that one answer can
    name every problem in the file."""

    model_config = ConfigDict(extra="ignore")

    version: int = 1
    schedules: list[dict[str, Any]]


class ImportRequest(RootModel[ImportDocument | list[dict[str, Any]]]):
    """schedules.json as exported, or a bare list of schedules written by hand."""


class ImportResponse(BaseModel):
    created: int
    updated: int
    total: int


class BackupItem(BaseModel):
    """A copy of the schedules: `name` is what a restore takes."""

    name: str
    taken_at: datetime
    schedules: int | None  # None: it cannot be read as a schedules document


class BackupListResponse(BaseModel):
    items: list[BackupItem]


class RestoreRequest(Strict):
    backup: Annotated[str, Field(min_length=1, max_length=200)] = "latest"
    dry_run: bool = True  # show what would change; false applies it


class RestoreResponse(BaseModel):
    """What the restore changes (dry run) or changed, by schedule name."""

    backup: str
    applied: bool
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: int


class DatabaseHealth(BaseModel):
    reachable: bool
    error: str | None = None


class HealthResponse(BaseModel):
    """GET /health: how tickwork itself is doing, and which schedules are not ok.

    `status` is about tickwork, not the jobs: `degraded` names its causes in `problems`
    (a stale scheduler heartbeat, a lagging loop, a nearly full disk); unhealthy schedules are
    listed, they do not degrade it. What the database holds is null while it cannot be read.
    """

    status: Literal["ok", "degraded", "unavailable"]
    problems: list[str] = Field(default_factory=list)
    heartbeat_age_seconds: float | None
    loop_lag_seconds: float | None
    database: DatabaseHealth
    queue_depth: int | None
    disk_free_bytes: int
    disk_free_ratio: float
    unhealthy: list[UnhealthySchedule]
    version: str


class ProbeResponse(BaseModel):
    """/healthz and /readyz: a word, nothing more (no versions, no paths)."""

    status: Literal["ok", "unavailable"]


class ErrorResponse(BaseModel):
    error: str
    message: str


class FieldErrorModel(BaseModel):
    field: str
    message: str


class ValidationErrorResponse(ErrorResponse):
    errors: list[FieldErrorModel]


# -- notifications --------------------------------------------------------------------------

ChannelName = Annotated[str, Field(min_length=1, max_length=100)]
ChannelUrl = Annotated[str, Field(min_length=1, max_length=4000)]
ChannelEvents = Annotated[list[NotifyEvent], Field(max_length=EVENT_COUNT)]


class ChannelCreateRequest(Strict):
    """A channel: a name and an apprise URL. `default: true` makes it speak, for the events
    in `on`, for every schedule without a `notify` list of its own. `id` (a UUID) is for
    bringing back the channel a schedules.json names; it is made up when not given."""

    id: Annotated[str, Field(max_length=64)] | None = None
    name: ChannelName
    url: ChannelUrl
    default: bool = False
    on: ChannelEvents = Field(default_factory=_failures)


class ChannelUpdateRequest(Strict):
    """Only what is sent changes; without `url` the stored one stays."""

    name: ChannelName | None = None
    url: ChannelUrl | None = None
    default: bool | None = None
    on: ChannelEvents | None = None


class ChannelResponse(BaseModel):
    id: str
    name: str
    # Redacted: scheme and host, never a password, token, path or query.
    url: str
    default: bool
    on: list[NotifyEvent]
    # How many schedules name it in their notify list.
    schedules: int
    created_at: UtcTime
    updated_at: UtcTime


class ChannelListResponse(BaseModel):
    items: list[ChannelResponse]


class ChannelIdPath(BaseModel):
    channel_id: Annotated[str, Field(max_length=64)]


class ChannelTestResponse(BaseModel):
    ok: bool
    # What the receiver or apprise said, without the URL's secrets; null when ok.
    error: str | None


class OutboxQuery(PageQuery):
    status: OutboxStatus | None = None


class OutboxItem(BaseModel):
    id: int
    channel_id: str
    channel_name: str | None
    schedule_id: str | None
    schedule_name: str | None
    run_id: int | None
    event: str
    status: OutboxStatus
    attempts: int
    created_at: UtcTime
    due_at: UtcTime
    last_attempt_at: UtcTime | None
    sent_at: UtcTime | None
    last_error: str | None
    # The digest this one was merged into when its channel was flooded.
    digest_id: int | None


class OutboxListResponse(Page):
    items: list[OutboxItem]
