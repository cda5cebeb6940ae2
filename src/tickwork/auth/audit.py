"""The audit log: who did what to which schedule, run, user or the scheduler, and when.

Actions are `<target type>.<verb>`: schedule.create, schedule.update, schedule.delete,
schedule.toggle, schedule.run, schedule.import, run.cancel, scheduler.pause,
scheduler.resume, user.create, user.update, user.delete, auth.login, auth.login_failed,
auth.logout. The actor is a username, `api-token`, `cli`, or `anonymous` when the API is
open. `detail` holds what the action needs to be understood later, never a secret.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from tickwork.auth.models import AuditEntry
from tickwork.store.db import Store
from tickwork.store.tables import AuditRow


def record(
    store: Store,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    with store.session() as session:
        session.add(
            AuditRow(
                at=datetime.now(UTC),
                actor=actor[:100],
                action=action,
                target_type=target_type,
                target_id=target_id[:64] if target_id is not None else None,
                detail=detail or {},
            )
        )


def page(
    store: Store,
    *,
    actor: str | None = None,
    action: str | None = None,
    target_id: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AuditEntry], int]:
    """Entries matching every filter given, newest first, and how many match in all."""
    where = [
        column == value
        for column, value in (
            (AuditRow.actor, actor),
            (AuditRow.action, action),
            (AuditRow.target_id, target_id),
        )
        if value is not None
    ]
    with store.reading() as session:
        total = session.scalar(select(func.count()).select_from(AuditRow).where(*where)) or 0
        rows = session.scalars(
            select(AuditRow)
            .where(*where)
            .order_by(AuditRow.at.desc(), AuditRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [AuditEntry.model_validate(r, from_attributes=True) for r in rows], total
