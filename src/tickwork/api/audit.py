"""/audit: the audit log, newest first; and `record`, which the other blueprints call after a
change succeeded, naming the caller as the actor."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.auth import audit, guard
from tickwork.auth.models import AuditListResponse, AuditQuery

bp = Blueprint("audit", __name__, url_prefix=PREFIX)


def note(action: str, target_type: str) -> audit.Note:
    """An entry for the caller's change, to be written by the change's own transaction."""
    return audit.Note(guard.actor(), action, target_type)


def record(action: str, target_type: str, target_id: str | None = None, **detail: Any) -> None:
    audit.record(runtime().store, guard.actor(), action, target_type, target_id, detail)


@SPEC.route(
    bp,
    "/audit",
    "GET",
    summary="The audit log, newest first",
    query=AuditQuery,
    responses={200: AuditListResponse},
)
def list_audit(query: AuditQuery) -> AuditListResponse:
    items, total = audit.page(
        runtime().store,
        actor=query.actor,
        action=query.action,
        target_id=query.target_id,
        offset=(query.page - 1) * query.page_size,
        limit=query.page_size,
    )
    return AuditListResponse(items=items, total=total, page=query.page, page_size=query.page_size)
