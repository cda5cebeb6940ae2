"""History retention: each schedule keeps its newest `retention_runs` runs and none older than
`retention_days`; what goes, goes with its log file. Runs still going are never pruned.

A run's resource samples go with it, in the transaction that deletes it.

Deletes go in small batches so a large backlog never holds the write lock for long. It lives in
the store package because it is SQL on the runs table; the log files' names come from
`tickwork.logfiles`, which the executor that writes them shares.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from tickwork.config import Settings
from tickwork.logfiles import run_log_files
from tickwork.store import outbox, resources, rollups
from tickwork.store.db import Store
from tickwork.store.runs import ACTIVE_STATUSES
from tickwork.store.tables import RunRow, ScheduleRow

log = logging.getLogger(__name__)
BATCH = 500


def prune_history(store: Store, settings: Settings, now: datetime) -> int:
    """Delete runs beyond the limits; returns how many went."""
    cutoff = now - timedelta(days=settings.retention_days)
    removed = _prune_where(store, RunRow.finished_at < cutoff)
    with store.reading() as session:
        schedule_ids = session.scalars(select(ScheduleRow.id)).all()
    for schedule_id in schedule_ids:
        with store.reading() as session:
            threshold = session.scalar(
                select(RunRow.id)
                .where(RunRow.schedule_id == schedule_id)
                .order_by(RunRow.id.desc())
                .offset(settings.retention_runs - 1)
                .limit(1)
            )
        if threshold is not None:
            removed += _prune_where(
                store, (RunRow.schedule_id == schedule_id) & (RunRow.id < threshold)
            )
    if removed:
        log.info("pruned %d run(s) from the history", removed)
    return removed


def prune_outbox(store: Store, settings: Settings, now: datetime) -> int:
    """Delete notifications that ended (sent, failed, dropped, merged) longer than the
    history's `retention_days` ago; pending ones always stay."""
    cutoff = now - timedelta(days=settings.retention_days)
    removed = store.transact(lambda session: outbox.prune(session, cutoff))
    if removed:
        log.info("pruned %d notification(s) from the outbox", removed)
    return removed


def prune_rollups(store: Store, now: datetime) -> int:
    """Delete the statistics' hours and days that no window reads any more. The rollups
    outlive the runs they counted (pruning the history keeps the statistics), so they have
    limits of their own (tickwork/statistics.py KEPT)."""
    return store.transact(lambda session: rollups.prune(session, now))


def _prune_where(store: Store, condition: object) -> int:
    removed = 0
    while True:
        with store.session() as session:
            batch = session.execute(
                select(RunRow.id, RunRow.log_path)
                .where(condition, RunRow.status.not_in(ACTIVE_STATUSES))  # type: ignore[arg-type]
                .limit(BATCH)
            ).all()
            if not batch:
                return removed
            ids = [row.id for row in batch]
            resources.delete_for(session, ids)
            session.execute(delete(RunRow).where(RunRow.id.in_(ids)))
        _remove_logs([row.log_path for row in batch])
        removed += len(batch)


def _remove_logs(paths: Sequence[str | None]) -> None:
    for path in paths:
        if path:
            for file in run_log_files(Path(path)):
                file.unlink(missing_ok=True)
