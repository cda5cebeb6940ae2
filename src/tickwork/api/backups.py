"""/backups: the copies of the schedules, and restoring one (admins only)."""

from __future__ import annotations

from flask import Blueprint

from tickwork import restore
from tickwork.api.audit import note
from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.schemas import (
    BackupItem,
    BackupListResponse,
    ErrorResponse,
    RestoreRequest,
    RestoreResponse,
)

bp = Blueprint("backups", __name__, url_prefix=PREFIX)


@SPEC.route(
    bp,
    "/backups",
    "GET",
    summary="The copies of the schedules, newest first",
    access="admin",
    responses={200: BackupListResponse},
)
def list_backups() -> BackupListResponse:
    found = restore.backups(runtime().settings.data_dir)
    return BackupListResponse(
        items=[BackupItem(name=b.name, taken_at=b.taken_at, schedules=b.schedules) for b in found]
    )


@SPEC.route(
    bp,
    "/backups/restore",
    "POST",
    summary="Show (dry_run) or apply what restoring a backup changes, all or nothing",
    body=RestoreRequest,
    access="admin",
    responses={200: RestoreResponse, 404: ErrorResponse},
)
def restore_backup(body: RestoreRequest) -> RestoreResponse:
    rt = runtime()
    # Only the copies the list names (paths=False): never a file of the caller's choosing.
    copy = restore.find(rt.settings.data_dir, body.backup, paths=False)
    plan = restore.plan(rt.service, copy)
    applied = not body.dry_run and not plan.empty
    if applied:
        restore.apply(rt.service, plan, note("schedule.restore", "schedule"))
    return RestoreResponse(
        backup=copy.name,
        applied=applied,
        added=plan.added,
        changed=plan.changed,
        removed=plan.removed,
        unchanged=plan.unchanged,
    )
