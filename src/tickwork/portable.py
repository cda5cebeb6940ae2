"""schedules.json: the portable form of the schedules, for export, import and backups.

An import is all or nothing: every schedule in the file is validated first (shape, cron,
time zone, workflow type and parameters) and only a file without a single error is applied,
in one transaction. A schedule with a known `id` is updated, any other is created.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tickwork.auth.audit import Note
from tickwork.errors import BadRequest, FieldError, ValidationFailed
from tickwork.schemas import (
    ImportDocument,
    ImportResponse,
    PortableSchedule,
    ScheduleCreateRequest,
    field_errors,
)
from tickwork.service import EDITABLE, ScheduleService
from tickwork.store import schedules
from tickwork.workflows import Registry

log = logging.getLogger(__name__)
FORMAT_VERSION = 1


def export_document(service: ScheduleService) -> dict[str, Any]:
    with service.store.reading() as session:
        rows = schedules.all_rows(session)
        graph = schedules.all_dependencies(session)
        items = [
            {
                "id": row.id,
                **{name: getattr(row, name) for name in EDITABLE},
                "depends_on": [
                    {"schedule_id": upstream, "on": on} for upstream, on in graph.get(row.id, [])
                ],
                "created_at": row.created_at.isoformat().replace("+00:00", "Z"),
                "updated_at": row.updated_at.isoformat().replace("+00:00", "Z"),
            }
            for row in rows
        ]
    return {
        "version": FORMAT_VERSION,
        "exported_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "schedules": items,
    }


def parse_document(raw: Any) -> ImportDocument:
    """A document from parsed JSON: the full form, or a bare list of schedules."""
    if isinstance(raw, list):
        raw = {"schedules": raw}
    if not isinstance(raw, dict):
        raise ValidationFailed.one("schedules", "expected an object with a schedules list")
    try:
        doc = ImportDocument.model_validate(raw, strict=True)
    except ValidationError as exc:
        raise field_errors(exc) from None
    if doc.version != FORMAT_VERSION:
        raise ValidationFailed.one("version", f"unsupported version {doc.version}")
    return doc


def import_document(
    service: ScheduleService, raw: Any, audit: Note | None = None
) -> ImportResponse:
    checked = validated(service.registry, raw)
    created, updated = service.apply_import(checked, audit)
    log.info("imported schedules: %d created, %d updated", created, updated)
    return ImportResponse(created=created, updated=updated, total=len(checked))


def validated(registry: Registry, raw: Any) -> list[tuple[str | None, ScheduleCreateRequest]]:
    """Every schedule of a document as (its id or None, its request), or ValidationFailed
    naming every problem in the file: nothing is applied from a file with one."""
    doc = parse_document(raw)
    checked: list[tuple[str | None, ScheduleCreateRequest]] = []
    errors: list[FieldError] = []
    for index, item in enumerate(doc.schedules):
        entry, problems = check_schedule(registry, item)
        if problems:
            errors += ValidationFailed(problems).nested(f"schedules.{index}").errors
        elif entry is not None:
            req = ScheduleCreateRequest.model_validate(entry.model_dump(exclude={"id"}))
            checked.append((entry.id, req))
    ids = [i for i, _ in checked if i]
    if len(ids) != len(set(ids)):
        errors += ValidationFailed.one("schedules", "the same id appears twice").errors
    if errors:
        raise ValidationFailed(errors, f"nothing imported: {len(errors)} problem(s) found")
    return checked


def check_schedule(
    registry: Registry, item: dict[str, Any]
) -> tuple[PortableSchedule | None, list[FieldError]]:
    """One schedule of a file, with every problem it has rather than the first.

    The shape, cron and zone checks and the registry checks run independently, so a file
    with an unknown workflow type still hears about its bad cron expression; parameters are
    checked only against a known type (against what else?).
    """
    entry: PortableSchedule | None = None
    errors: list[FieldError] = []
    try:
        entry = PortableSchedule.model_validate(item, strict=True)
    except ValidationError as exc:
        errors += field_errors(exc).errors
    errors += _registry_problems(registry, item)
    schedule_id = item.get("id")
    if isinstance(schedule_id, str) and not _is_uuid(schedule_id):
        errors.append(FieldError("id", "must be a UUID"))
    return entry, _first_per_field(errors)


def _registry_problems(registry: Registry, item: dict[str, Any]) -> list[FieldError]:
    name = item.get("workflow_type")
    if not isinstance(name, str) or not name:
        return []  # the shape check names it
    try:
        registry.get(name).validate(item.get("parameters"))
    except ValidationFailed as exc:
        return exc.errors
    return []


def _first_per_field(errors: list[FieldError]) -> list[FieldError]:
    """One message a field: `parameters` that is not an object fails both checks."""
    seen: set[str] = set()
    kept = []
    for error in errors:
        if error.field not in seen:
            seen.add(error.field)
            kept.append(error)
    return kept


def load_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise BadRequest(f"cannot read {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"{path} is not valid JSON: {exc}") from None


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def write_atomically(path: Path, document: dict[str, Any]) -> None:
    """Write `document` to `path` so that `path` always holds a whole document: the old one
    until the new one is complete on disk. A failed write (a full disk) leaves no debris."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def copy_atomically(source: Path, target: Path) -> None:
    """Copy `source` to `target`, which appears complete or not at all."""
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        shutil.copy2(source, tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def schedules_in(path: Path) -> int | None:
    """How many schedules the file at `path` holds; None when it is missing, empty or not a
    schedules document (never worth keeping as a backup)."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    items = raw.get("schedules") if isinstance(raw, dict) else raw
    return len(items) if isinstance(items, list) else None


class Backup:
    """Keeps data/schedules.json current and a rolling set of earlier copies in data/backups.

    Writes are coalesced: a burst of changes costs one write after `delay` seconds. A write
    that fails (a full disk) is tried again every `retry` seconds until it succeeds, so the
    mirror never stays behind the store for long.
    """

    def __init__(
        self,
        service: ScheduleService,
        data_dir: Path,
        keep: int,
        delay: float = 2.0,
        retry: float = 10.0,
    ) -> None:
        self.service = service
        self.path = data_dir / "schedules.json"
        self.backups = data_dir / "backups"
        self.keep = keep
        self.delay = delay
        self.retry = retry
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        self._closed = False
        self._failing = False

    def changed(self) -> None:
        self._later(self.delay)

    def _later(self, seconds: float) -> None:
        with self._lock:
            if self._timer is None and not self._closed:
                self._timer = threading.Timer(seconds, self.write_now)
                self._timer.daemon = True
                self._timer.start()

    def write_now(self, final: bool = False) -> None:
        with self._lock:
            self._timer = None
        with self._writing:
            if self._closed:
                return  # the store is gone; the final write has been made
            self._closed = final
            try:
                document = export_document(self.service)
                if schedules_in(self.path) is not None:
                    self._rotate()
                write_atomically(self.path, document)
            except Exception as exc:
                self._failed(exc, final)
                return
        if self._failing:
            self._failing = False
            log.warning("%s written again: it matches the store", self.path)

    def _failed(self, exc: Exception, final: bool) -> None:
        if not self._failing:
            log.error(
                "could not write %s (%s); trying again every %g s", self.path, exc, self.retry
            )
        self._failing = True
        if not final:
            self._later(self.retry)

    def _rotate(self) -> None:
        self.backups.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        # A copy, not a move: schedules.json must never be missing, even for an instant.
        copy_atomically(self.path, self.backups / f"schedules-{stamp}.json")
        for old in sorted(self.backups.glob("schedules-*.json"))[: -self.keep]:
            old.unlink(missing_ok=True)

    def check_at_start(self) -> Path | None:
        """Compare schedules.json with the store. When the store holds no schedule but the file
        does (the database was deleted or replaced while tickwork was stopped), set the file
        aside where rotation never reaches it, say how to restore it, and return where it is.
        When the file is merely behind (its last write failed), write it again."""
        held = schedules_in(self.path)
        with self.service.store.reading() as session:
            stored, _ = schedules.counts(session)
        if held != stored and not (held and not stored):
            self.changed()  # behind the store (a write failed before a stop): bring it up
        if not held or stored:
            return None
        self.backups.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = self.backups / f"orphaned-schedules-{stamp}.json"
        copy_atomically(self.path, kept)
        log.warning(
            "the store holds no schedules but %s holds %d: restore them with "
            "`tickwork restore %s` (the same copy is kept as %s)",
            self.path,
            held,
            f"backups/{kept.name}",
            kept,
        )
        return kept

    def close(self) -> None:
        """Write what is pending, once, and no more: a timer firing later finds us closed."""
        with self._lock:
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            self.write_now(final=True)
        else:
            with self._writing:  # waits for a write under way
                self._closed = True
