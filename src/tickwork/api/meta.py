"""What the form needs (workflows, templates, cron preview) and the scheduler switch."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify
from sqlalchemy.orm import Session

from tickwork import advice, cron, vitals
from tickwork.api.audit import note
from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.errors import FieldError, StorageUnavailable, ValidationFailed
from tickwork.schemas import (
    CronPreviewQuery,
    CronPreviewResponse,
    HealthResponse,
    ParameterResponse,
    PauseRequest,
    ScheduleCreateRequest,
    ScheduleWarning,
    StatusResponse,
    TemplateListResponse,
    WorkflowListResponse,
    WorkflowResponse,
)
from tickwork.templates import TEMPLATES

bp = Blueprint("meta", __name__, url_prefix=PREFIX)
_NEW = ScheduleCreateRequest.model_fields
DEFAULT_TIMEOUT: int = _NEW["timeout_seconds"].default
DEFAULT_POLICY: str = _NEW["concurrency_policy"].default


@SPEC.route(
    bp,
    "/health",
    "GET",
    summary="How tickwork is doing: heartbeat, loop lag, database, queue, disk, unhealthy "
    "schedules; 503 while the database cannot be read",
    responses={200: HealthResponse, 503: HealthResponse},
)
def health() -> HealthResponse | Response:
    # Behind the guard like the rest: it names schedules and what went wrong with them.
    # Probes without credentials ask /healthz and /readyz (api/probes.py).
    rt = runtime()
    body = vitals.report(rt.settings, rt.store, rt.clock)
    if body.status != "unavailable":
        return body
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = 503
    response.headers["Retry-After"] = str(StorageUnavailable.retry_after)
    return response


@SPEC.route(
    bp, "/workflows", "GET", summary="The workflow registry", responses={200: WorkflowListResponse}
)
def list_workflows() -> WorkflowListResponse:
    # Commands, working directories and env are the server's business: not shown.
    items = [
        WorkflowResponse(
            name=w.name,
            description=w.description,
            parameters=[
                ParameterResponse(
                    name=p.name,
                    flag=p.flag,
                    type=p.type,
                    default=p.default,
                    required=p.required,
                    choices=list(p.choices) if p.choices is not None else None,
                    description=p.description,
                )
                for p in w.parameters.values()
            ],
        )
        for w in runtime().registry.workflows.values()
    ]
    return WorkflowListResponse(items=items)


@SPEC.route(
    bp, "/templates", "GET", summary="Schedule templates", responses={200: TemplateListResponse}
)
def list_templates() -> TemplateListResponse:
    return TemplateListResponse(items=list(TEMPLATES))


@SPEC.route(
    bp,
    "/cron/preview",
    "GET",
    summary="A cron expression in words and its next fires",
    query=CronPreviewQuery,
    responses={200: CronPreviewResponse},
)
def cron_preview(query: CronPreviewQuery) -> CronPreviewResponse:
    tz_name = query.timezone or runtime().settings.default_timezone
    errors: list[FieldError] = []
    expression = query.expression
    try:
        expression = cron.validate(query.expression, field="expression")
    except ValidationFailed as exc:
        errors += exc.errors
    try:
        tz = cron.zone(tz_name)
    except ValidationFailed as exc:
        errors += exc.errors
    if errors:
        raise ValidationFailed(errors)
    after = query.after or datetime.now(UTC)
    if after.tzinfo is None:
        after = after.replace(tzinfo=tz)
    return CronPreviewResponse(
        expression=expression,
        timezone=tz_name,
        description=cron.describe(expression),
        next_runs=cron.next_fires(expression, tz, after, query.count),
        warnings=_preview_warnings(query, expression, tz_name),
    )


def _preview_warnings(
    query: CronPreviewQuery, expression: str, tz_name: str
) -> list[ScheduleWarning]:
    """The warnings the form's schedule would carry: fields not sent are the edited
    schedule's saved ones, else a new schedule's defaults."""
    rt = runtime()

    def work(session: Session) -> list[ScheduleWarning]:
        cache = rt.service.cache
        saved = cache.snapshot(session).by_id.get(query.schedule_id or "")
        draft = advice.Draft(
            cron_schedule=expression,
            timezone=tz_name,
            timeout_seconds=query.timeout_seconds
            or (saved.timeout_seconds if saved else DEFAULT_TIMEOUT),
            concurrency_policy=query.concurrency_policy
            or (saved.concurrency_policy if saved else DEFAULT_POLICY),
            schedule_id=saved.id if saved else None,
            name=query.name,
        )
        return advice.for_draft(session, cache, draft, rt.clock.now())

    return rt.store.read(work)


@SPEC.route(
    bp,
    "/scheduler/pause",
    "POST",
    summary="Stop firing schedules (stored)",
    body=PauseRequest,
    body_required=False,
    access="operator",
    responses={200: StatusResponse},
)
def pause_scheduler(body: PauseRequest) -> StatusResponse:
    rt = runtime()
    rt.engine.set_paused(True, note("scheduler.pause", "scheduler"), note=body.note)
    return rt.dashboard.status()


@SPEC.route(
    bp,
    "/scheduler/resume",
    "POST",
    summary="Fire schedules again",
    access="operator",
    responses={200: StatusResponse},
)
def resume_scheduler() -> StatusResponse:
    rt = runtime()
    rt.engine.set_paused(False, note("scheduler.resume", "scheduler"))
    return rt.dashboard.status()
