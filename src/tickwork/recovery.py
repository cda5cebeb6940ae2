"""After a crash: runs a dead tickwork process left `running` become `lost`, and the processes
they started are terminated, so nothing old keeps running unseen. Runs it left `queued` never
started: they are adopted (this process becomes their owner) and wait to start here, with their
`not_before`, as they would have there.

A run's process is named by its pid *and* its start time: after a crash and a reboot the
bare pid may belong to something else, which must never be killed. Only runs whose owner
was on this host and is gone are touched; a live owner (another tickwork process here) and
other hosts' runs are left to their owners.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from tickwork.executor import tickets
from tickwork.executor.admission import Ticket
from tickwork.executor.identity import owner_alive, same_process
from tickwork.executor.process import run_tag, terminate_group, terminate_tagged
from tickwork.store import lifecycle
from tickwork.store.db import Store
from tickwork.store.health import HealthRecorder
from tickwork.store.lifecycle import RunStatus
from tickwork.store.runs import ACTIVE_STATUSES
from tickwork.store.tables import RunRow

log = logging.getLogger(__name__)


@dataclass
class RecoveryReport:
    lost: list[int] = field(default_factory=list)
    terminated: list[int] = field(default_factory=list)


def recover_lost_runs(
    store: Store,
    me: str,
    grace: float,
    argv: lifecycle.Argv | None = None,
    health: HealthRecorder | None = None,
) -> RecoveryReport:
    """End as `lost` the runs a dead tickwork left running (`argv` builds the commands of the
    runs chained after a loss; `health` counts a loss as a failure); their follow-ups stay
    queued for `adopt_queued`."""
    report = RecoveryReport()
    with store.reading() as session:
        active = session.scalars(select(RunRow).where(RunRow.status.in_(ACTIVE_STATUSES))).all()
    for run in active:
        if run.status != RunStatus.RUNNING or not _orphaned(run, me):
            continue  # queued ones are adopted (adopt_queued)
        report.terminated += _end_processes(run, grace)
        reason = "tickwork stopped while it ran; its processes were terminated"
        if _mark_lost(store, run.id, reason, argv, health):
            report.lost.append(run.id)
    if report.lost:
        log.warning(
            "recovered %d run(s) left by a stopped tickwork as lost: %s (process groups %s ended)",
            len(report.lost),
            report.lost,
            report.terminated,
        )
    return report


def adopt_queued(store: Store, me: str) -> list[Ticket]:
    """The queued runs of owners that are gone, now owned by `me`, as tickets to admit."""
    with store.reading() as session:
        queued = session.execute(
            select(RunRow.id, RunRow.owner).where(RunRow.status == RunStatus.QUEUED.value)
        ).all()
    orphans = [(run_id, owner) for run_id, owner in queued if _orphaned_owner(owner, me)]
    if not orphans:
        return []
    with store.session() as session:
        adopted = [i for i, owner in orphans if lifecycle.adopt(session, i, owner, me)]
    with store.reading() as session:
        found = tickets.load(session, adopted)
    log.info("adopted %d queued run(s) left by a stopped tickwork: %s", len(found), adopted)
    return found


def _orphaned(run: RunRow, me: str) -> bool:
    return _orphaned_owner(run.owner, me)


def _orphaned_owner(owner: str | None, me: str) -> bool:
    return owner != me and not (owner and owner_alive(owner))


def _end_processes(run: RunRow, grace: float) -> list[int]:
    """End what is left of a dead owner's run; never anything else.

    The group is signalled only while its leader is alive with the recorded start time: once
    the leader is gone (a reboot, a container restart), its pid may well lead an unrelated
    group. Whatever else is left is found by the run's tag in its environment.
    """
    ended = []
    if run.pid and same_process(run.pid, run.pid_started_at):
        terminate_group(run.pid, grace)
        ended.append(run.pid)
    if run.owner:
        ended += terminate_tagged(run_tag(run.owner, run.id), grace)
    return ended


def _mark_lost(
    store: Store,
    run_id: int,
    reason: str,
    argv: lifecycle.Argv | None,
    health: HealthRecorder | None = None,
) -> bool:
    with store.session() as session:
        at = datetime.now(UTC)
        return lifecycle.lose(session, run_id, reason, at, argv=argv, health=health).done
