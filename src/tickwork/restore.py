"""Restore the schedules from a backup: list the copies, show what a restore would change, apply.

The backups are the schedules.json mirror in the data directory (the newest, written a few
seconds after every change) and the rolling copies in data/backups that each write pushes out
(see portable.Backup). A restore makes the store's schedules exactly those of the copy: the
copy's schedules are created or updated and the store's others are deleted, with their
history, in one transaction. It validates the whole copy first and shows the counts (added,
changed, removed) before anything is written, so a broken copy or a surprising difference
costs nothing. Matching is by id; an entry without one (a hand-written file) matches the
stored schedule of the same name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tickwork import portable
from tickwork.auth.audit import Note
from tickwork.errors import BadRequest, NotFound
from tickwork.schemas import ScheduleCreateRequest
from tickwork.service import EDITABLE, ScheduleService
from tickwork.store import schedules

LATEST = "latest"
CURRENT = "schedules.json"
# What the rolling copies and the copies set aside at start-up are called (portable.Backup).
PATTERNS = ("schedules-*.json", "orphaned-schedules-*.json")


@dataclass(frozen=True)
class BackupFile:
    """One copy: `name` is what `tickwork restore NAME` and the API take."""

    name: str
    path: Path
    taken_at: datetime
    # How many schedules it holds; None when it cannot be read as a schedules document.
    schedules: int | None

    @property
    def readable(self) -> bool:
        return self.schedules is not None


@dataclass
class RestorePlan:
    """What applying `backup` would do, by schedule name."""

    backup: BackupFile
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    # The validated schedules (id resolved) and the ids to delete: what `apply` writes.
    items: list[tuple[str | None, ScheduleCreateRequest]] = field(default_factory=list, repr=False)
    remove_ids: list[str] = field(default_factory=list, repr=False)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "unchanged": self.unchanged,
        }


def backups(data_dir: Path) -> list[BackupFile]:
    """Every copy in `data_dir`, newest first; the mirror first of all when it is as new."""
    paths = [data_dir / CURRENT] if (data_dir / CURRENT).is_file() else []
    folder = data_dir / "backups"
    for pattern in PATTERNS:
        paths += folder.glob(pattern) if folder.is_dir() else []
    found = [
        _copy(path.name if path.parent == data_dir else f"backups/{path.name}", path)
        for path in paths
    ]
    return sorted(found, key=lambda b: (b.taken_at, b.name == CURRENT), reverse=True)


def find(data_dir: Path, which: str, paths: bool = True) -> BackupFile:
    """The copy named `which` (as `backups` names it, or with `paths` any file), or the
    newest one holding schedules for "latest"; NotFound names what there is."""
    known = backups(data_dir)
    if which == LATEST:
        for backup in known:
            if backup.readable and backup.schedules:
                return backup
        raise NotFound(f"no backup with schedules in {data_dir}")
    for backup in known:
        if which in (backup.name, backup.path.name):
            return backup
    path = Path(which)
    if paths and path.is_file():
        return _copy(str(path), path)
    names = ", ".join(b.name for b in known) or "none"
    raise NotFound(f"no backup {which!r}; there are: {names}")


def plan(service: ScheduleService, backup: BackupFile) -> RestorePlan:
    """Validate `backup` (ValidationFailed naming every problem, as an import does) and
    compare it with the store."""
    raw = portable.load_file(backup.path)
    items = portable.validated(service.registry, raw)
    if not items:
        raise BadRequest(f"{backup.name} holds no schedules; a restore would delete them all")
    result = RestorePlan(backup)
    with service.store.reading() as session:
        rows = {row.id: row for row in schedules.all_rows(session)}
        graph = schedules.all_dependencies(session)
    by_name = {row.name: row.id for row in rows.values()}
    kept: set[str] = set()
    for schedule_id, req in items:
        schedule_id = schedule_id or by_name.get(req.name)
        result.items.append((schedule_id, req))
        row = rows.get(schedule_id) if schedule_id else None
        if row is None:
            result.added.append(req.name)
            continue
        kept.add(row.id)
        if _differs(service, row, req, graph.get(row.id, [])):
            result.changed.append(req.name)
        else:
            result.unchanged += 1
    for schedule_id, row in rows.items():
        if schedule_id not in kept:
            result.remove_ids.append(schedule_id)
            result.removed.append(row.name)
    return result


def apply(service: ScheduleService, restore: RestorePlan, audit: Note | None = None) -> None:
    """Write `restore` in one transaction with its audit entry: all of it or nothing."""
    detail = {"backup": restore.backup.name, "removed": len(restore.removed)}
    service.apply_import(restore.items, audit, remove=restore.remove_ids, detail=detail)


def _copy(name: str, path: Path) -> BackupFile:
    """The copy at `path`, as `name`: its time is the file's, its count read from it."""
    return BackupFile(
        name, path, datetime.fromtimestamp(path.stat().st_mtime, UTC), portable.schedules_in(path)
    )


def _differs(
    service: ScheduleService,
    row: Any,
    req: ScheduleCreateRequest,
    stored_deps: list[tuple[str, str]],
) -> bool:
    wanted = service.checked(req)
    if any(getattr(row, name) != wanted[name] for name in EDITABLE if name in wanted):
        return True
    return [(d.schedule_id, d.on) for d in req.depends_on or ()] != stored_deps
