"""After a crash: runs a dead tickwork process left `queued` or `running` become `lost`, and
the processes they started are terminated, so nothing old keeps running unseen.

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

from tickwork.executor.identity import owner_alive, same_process
from tickwork.executor.process import run_tag, terminate_group, terminate_tagged
from tickwork.store import lifecycle
from tickwork.store.db import Store
from tickwork.store.lifecycle import RunStatus
from tickwork.store.runs import ACTIVE_STATUSES
from tickwork.store.tables import RunRow

log = logging.getLogger(__name__)


@dataclass
class RecoveryReport:
    lost: list[int] = field(default_factory=list)
    terminated: list[int] = field(default_factory=list)


def recover_lost_runs(store: Store, me: str, grace: float) -> RecoveryReport:
    report = RecoveryReport()
    with store.reading() as session:
        active = session.scalars(select(RunRow).where(RunRow.status.in_(ACTIVE_STATUSES))).all()
    for run in active:
        if run.owner == me or (run.owner and owner_alive(run.owner)):
            continue
        if run.status == RunStatus.RUNNING:
            report.terminated += _end_processes(run, grace)
        reason = (
            "tickwork stopped while it ran; its processes were terminated"
            if run.status == RunStatus.RUNNING
            else "tickwork stopped before it started"
        )
        if _mark_lost(store, run.id, reason):
            report.lost.append(run.id)
    if report.lost:
        log.warning(
            "recovered %d run(s) left by a stopped tickwork as lost: %s (process groups %s ended)",
            len(report.lost),
            report.lost,
            report.terminated,
        )
    return report


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


def _mark_lost(store: Store, run_id: int, reason: str) -> bool:
    with store.session() as session:
        return lifecycle.lose(session, run_id, reason, datetime.now(UTC)).done
