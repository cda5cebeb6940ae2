"""A run's resource samples: the only module that writes run_resource_samples.

The executor's writer hands over what a run's series took since its last write (see
tickwork/resources.py), in the transaction of the batch it writes anyway, so sampling costs no
transaction of its own. A series that merged its points replaces the stored ones: a few
hundred rows, rewritten once each time a run's length doubles.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from tickwork.resources import Sample, Taken
from tickwork.store.tables import RunResourceSampleRow, RunRow


def save(session: Session, run_id: int, taken: Taken) -> None:
    """Store what a series took: appended, or in place of what was stored. Nothing for a run
    that is gone (its schedule was deleted while it ran): the foreign key would refuse the
    rows, and with them the rest of the writer's batch."""
    if session.scalar(select(RunRow.id).where(RunRow.id == run_id)) is None:
        return
    if taken.replace:
        session.execute(delete(RunResourceSampleRow).where(RunResourceSampleRow.run_id == run_id))
    if taken.samples:
        session.execute(insert(RunResourceSampleRow), [_row(run_id, s) for s in taken.samples])


def load(session: Session, run_id: int) -> list[Sample]:
    """The run's points, oldest first."""
    rows = session.scalars(
        select(RunResourceSampleRow)
        .where(RunResourceSampleRow.run_id == run_id)
        .order_by(RunResourceSampleRow.at, RunResourceSampleRow.id)
    ).all()
    return [
        Sample(r.at.timestamp(), r.cpu_percent, r.rss_bytes, r.processes, r.span_seconds)
        for r in rows
    ]


def delete_for(session: Session, run_ids: Sequence[int]) -> None:
    """Drop the samples of runs about to be deleted (pruning): the foreign key cascades too,
    but SQLite does so only with its foreign_keys pragma on, which a copy opened by hand
    lacks."""
    if run_ids:
        session.execute(
            delete(RunResourceSampleRow).where(RunResourceSampleRow.run_id.in_(run_ids))
        )


def _row(run_id: int, sample: Sample) -> dict[str, object]:
    return {
        "run_id": run_id,
        "at": datetime.fromtimestamp(sample.at, UTC),
        "span_seconds": sample.span_seconds,
        "cpu_percent": sample.cpu_percent,
        "rss_bytes": sample.rss_bytes,
        "processes": sample.processes,
    }
