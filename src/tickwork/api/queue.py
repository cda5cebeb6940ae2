"""/queue: the queued runs in the order they will start, and why each one waits."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.schemas import QueueItem, QueueResponse
from tickwork.service import run_response
from tickwork.store import runs
from tickwork.store.lifecycle import RunStatus
from tickwork.store.tables import RunRow

bp = Blueprint("queue", __name__, url_prefix=PREFIX)
# A queue longer than this is shown by its head: the rest start after those anyway.
MAX_ITEMS = 1000


@SPEC.route(
    bp,
    "/queue",
    "GET",
    summary="Queued runs in the order they will start, with why each waits",
    responses={200: QueueResponse},
)
def get_queue() -> QueueResponse:
    rt = runtime()
    view = rt.executor.queue()
    if view is None:  # no executor in this process: the store's queue, in the same order
        return rt.store.read(lambda session: _stored(session, rt.settings.max_concurrent_runs))
    waiting = view.waiting[:MAX_ITEMS]
    ids = [w.ticket.run_id for w in waiting]

    def work(session: Session) -> dict[int, RunRow]:
        rows = session.scalars(select(RunRow).where(RunRow.id.in_(ids))).all() if ids else []
        return {row.id: row for row in rows}

    rows = rt.store.read(work)
    names = rt.store.read(
        lambda session: runs.schedule_names(session, [r.schedule_id for r in rows.values()])
    )
    items = [
        QueueItem(
            position=position,
            priority=w.ticket.priority,
            wait=w.wait,
            reason=w.reason,
            run=run_response(rows[w.ticket.run_id], None, names),
        )
        for position, w in enumerate((w for w in waiting if w.ticket.run_id in rows), start=1)
    ]
    return QueueResponse(slots_total=view.slots_total, slots_busy=view.slots_busy, items=items)


def _stored(session: Session, slots: int) -> QueueResponse:
    queued = session.scalars(
        select(RunRow)
        .where(RunRow.status == RunStatus.QUEUED.value)
        .order_by(RunRow.priority.desc(), RunRow.queued_at, RunRow.id)
        .limit(MAX_ITEMS)
    ).all()
    busy = session.scalar(select(func.count()).where(RunRow.status == RunStatus.RUNNING.value))
    names = runs.schedule_names(session, [r.schedule_id for r in queued])
    items = [
        QueueItem(
            position=position,
            priority=row.priority,
            wait="slots",
            reason="waits for a run slot of the executor that owns it",
            run=run_response(row, None, names),
        )
        for position, row in enumerate(queued, start=1)
    ]
    return QueueResponse(slots_total=slots, slots_busy=int(busy or 0), items=items)
