"""The audit log: who did what to which schedule, run, user or the scheduler, and when.

Actions are `<target type>.<verb>`: schedule.create, schedule.update, schedule.delete,
schedule.toggle, schedule.run, schedule.import, schedule.clone, run.cancel, scheduler.pause,
scheduler.resume, user.create, user.update, user.delete, auth.login, auth.login_failed,
auth.logout, channel.create, channel.update, channel.delete, channel.test. The actor is a
username, `api-token`, `cli`, or `anonymous` when the API is open. `detail` holds what the
action needs to be understood later, never a secret (a channel's URL only redacted). A bulk
action writes the entry each schedule would get alone, with `"bulk": true` in its detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tickwork.auth.models import AuditEntry
from tickwork.store.db import Store
from tickwork.store.tables import AuditRow


@dataclass(frozen=True)
class Note:
    """An entry decided before its change and written in the change's own transaction, so a
    change and its entry land together or not at all: an entry written afterwards, in a
    transaction of its own, was missing when that second transaction failed."""

    actor: str
    action: str
    target_type: str
    # Said of every entry this note writes, after the change's own detail (`bulk`).
    context: Mapping[str, Any] = field(default_factory=dict)

    def add(self, session: Session, target_id: str | None, **detail: Any) -> None:
        detail |= self.context
        session.add(_row(self.actor, self.action, self.target_type, target_id, detail))


def record(
    store: Store,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """An entry on its own, for actions that change nothing else in the store (logins)."""
    store.transact(
        lambda session: session.add(_row(actor, action, target_type, target_id, detail or {}))
    )


def _row(
    actor: str, action: str, target_type: str, target_id: str | None, detail: dict[str, Any]
) -> AuditRow:
    return AuditRow(
        at=datetime.now(UTC),
        actor=actor[:100],
        action=action,
        target_type=target_type,
        target_id=target_id[:64] if target_id is not None else None,
        detail=detail,
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

    def work(session: Session) -> tuple[list[AuditEntry], int]:
        total = session.scalar(select(func.count()).select_from(AuditRow).where(*where)) or 0
        rows = session.scalars(
            select(AuditRow)
            .where(*where)
            .order_by(AuditRow.at.desc(), AuditRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [AuditEntry.model_validate(r, from_attributes=True) for r in rows], total

    return store.read(work)
