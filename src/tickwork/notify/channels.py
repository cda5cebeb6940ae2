"""Channel operations for the API: validate, store, redact, test, and the outbox's list.

A channel's URL is stored as given (sending needs all of it) and leaves this module only
redacted (`delivery.redact`): in answers, audit entries and logs alike. Each change is one
transaction with its audit entry; the run path's snapshot of the channels is dropped after
it, so the next end sees the change at once.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tickwork.auth.audit import Note
from tickwork.clock import SYSTEM, Clock
from tickwork.errors import Conflict, NotFound, ValidationFailed
from tickwork.notify import delivery
from tickwork.notify.sender import Sender
from tickwork.schemas import (
    ChannelCreateRequest,
    ChannelResponse,
    ChannelTestResponse,
    ChannelUpdateRequest,
    OutboxItem,
)
from tickwork.service import ScheduleService
from tickwork.store import channels, outbox, schedules
from tickwork.store.db import Store
from tickwork.store.tables import ChannelRow

log = logging.getLogger(__name__)
T = TypeVar("T")


class ChannelService:
    def __init__(
        self, store: Store, schedules: ScheduleService, sender: Sender, clock: Clock = SYSTEM
    ) -> None:
        self.store = store
        self.schedules = schedules
        self.sender = sender
        self.clock = clock

    # -- reads ------------------------------------------------------------------------------

    def all(self) -> list[ChannelResponse]:
        def work(session: Session) -> list[ChannelResponse]:
            used = channels.usage(session)
            return [_response(row, len(used.get(row.id, []))) for row in channels.all_rows(session)]

        return self.store.read(work)

    def outbox_page(self, status: str | None, page: int, size: int) -> tuple[list[OutboxItem], int]:
        def work(session: Session) -> tuple[list[OutboxItem], int]:
            rows, total = outbox.page(session, status, (page - 1) * size, size)
            names = {row.id: row.name for row in channels.all_rows(session)}
            schedule_names = schedules.name_map(
                session, sorted({r.schedule_id for r in rows if r.schedule_id})
            )
            items = [
                OutboxItem(
                    id=row.id,
                    channel_id=row.channel_id,
                    channel_name=names.get(row.channel_id),
                    schedule_id=row.schedule_id,
                    schedule_name=schedule_names.get(row.schedule_id or "")
                    or (row.body or {}).get("schedule_name"),
                    run_id=row.run_id,
                    event=row.event,
                    status=row.status,  # type: ignore[arg-type]
                    attempts=row.attempts,
                    created_at=row.created_at,
                    due_at=row.due_at,
                    last_attempt_at=row.last_attempt_at,
                    sent_at=row.sent_at,
                    last_error=row.last_error,
                    digest_id=row.digest_id,
                )
                for row in rows
            ]
            return items, total

        return self.store.read(work)

    # -- changes ----------------------------------------------------------------------------

    def create(self, req: ChannelCreateRequest, audit: Note | None = None) -> ChannelResponse:
        _check_url(req.url)
        channel_id = _new_id(req.id)

        def work(session: Session) -> ChannelResponse:
            if channels.get(session, channel_id) is not None:
                raise Conflict(f"channel {channel_id} exists already")
            _name_free(session, req.name, None)
            now = self.clock.now()
            row = ChannelRow(
                id=channel_id,
                name=req.name,
                url=req.url,
                default=req.default,
                on=list(req.on),
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            if audit is not None:
                audit.add(session, row.id, **_described(row))
            return _response(row, 0)

        created = self._changing(work, req.name)
        log.info("channel created: %s (%s, %s)", created.name, created.id, created.url)
        return created

    def update(
        self, channel_id: str, req: ChannelUpdateRequest, audit: Note | None = None
    ) -> ChannelResponse:
        sent = req.model_dump(exclude_unset=True, exclude_none=True)
        if "url" in sent:
            _check_url(sent["url"])

        def work(session: Session) -> ChannelResponse:
            row = _row(session, channel_id)
            if "name" in sent:
                _name_free(session, sent["name"], channel_id)
            before = _described(row) | {"url": row.url}
            for name, value in sent.items():
                setattr(row, name, list(value) if name == "on" else value)
            row.updated_at = self.clock.now()
            session.flush()
            if audit is not None:
                after = _described(row) | {"url": row.url}
                changed = [name for name in after if after[name] != before[name]]
                audit.add(session, row.id, name=row.name, fields=changed)
            return _response(row, len(channels.usage(session).get(row.id, [])))

        updated = self._changing(work, sent.get("name", ""))
        log.info("channel updated: %s (%s): %s", updated.name, channel_id, sorted(sent))
        return updated

    def delete(self, channel_id: str, detach: bool = False, audit: Note | None = None) -> None:
        """Delete a channel and its outbox rows. Refused (409) while schedules subscribe to
        it, unless `detach`: then their subscriptions to it go with it."""

        def work(session: Session) -> tuple[str, list[str]]:
            row = _row(session, channel_id)
            users = channels.usage(session).get(channel_id, [])
            if users and not detach:
                listed = ", ".join(json.dumps(name, ensure_ascii=False) for name, _ in users)
                raise Conflict(
                    f"schedules subscribe to it: {listed}; "
                    "delete it with ?detach=true to remove their subscriptions too"
                )
            detached = [schedule_id for _, schedule_id in users]
            _unsubscribe(session, detached, channel_id, self.clock)
            outbox.delete_for_channel(session, channel_id)
            session.delete(row)
            if audit is not None:
                detail: dict[str, Any] = {"name": row.name}
                if users:
                    detail["detached"] = [{"schedule_id": i, "name": n} for n, i in users]
                audit.add(session, channel_id, **detail)
            return row.name, detached

        name, detached = self._changing(work, "")
        log.info("channel deleted: %s (%s)", name, channel_id)
        self.schedules.touched(detached)

    def test(self, channel_id: str, audit: Note | None = None) -> ChannelTestResponse:
        """Send one test message now and say how it went."""

        def work(session: Session) -> tuple[str, str]:
            row = _row(session, channel_id)
            return row.name, row.url

        name, url = self.store.read(work)
        result = self.sender.send_now(name, url)
        if audit is not None:
            self.store.transact(
                lambda session: audit.add(session, channel_id, name=name, ok=result.ok)
            )
        return ChannelTestResponse(ok=result.ok, error=None if result.ok else result.error)

    def _changing(self, work: Callable[[Session], T], name: str) -> T:
        """Run a change; a name taken meanwhile by another writer is the same 409."""
        try:
            done = self.store.transact(work)
        except IntegrityError:
            raise Conflict(f"a channel named {name!r} exists already") from None
        with self.store.reading() as session:
            outbox.forget_channels(session)
        return done


def _check_url(url: str) -> None:
    if (problem := delivery.check(url)) is not None:
        raise ValidationFailed.one("url", problem)


def _new_id(given: str | None) -> str:
    if given is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(given))
    except ValueError:
        raise ValidationFailed.one("id", "must be a UUID") from None


def _name_free(session: Session, name: str, own_id: str | None) -> None:
    other = channels.by_name(session, name)
    if other is not None and other.id != own_id:
        raise Conflict(f"a channel named {name!r} exists already")


def _row(session: Session, channel_id: str) -> ChannelRow:
    row = channels.get(session, channel_id)
    if row is None:
        raise NotFound(f"no channel {channel_id}")
    return row


def _unsubscribe(
    session: Session, schedule_ids: Sequence[str], channel_id: str, clock: Clock
) -> None:
    now = clock.now()
    for row in schedules.by_ids(session, list(schedule_ids)):
        row.notify = [s for s in row.notify if s.get("channel") != channel_id]
        row.updated_at = now
    session.flush()


def _described(row: ChannelRow) -> dict[str, Any]:
    """A channel for the audit log: never its URL, only the redacted form."""
    return {
        "name": row.name,
        "url": delivery.redact(row.url),
        "default": row.default,
        "on": list(row.on),
    }


def _response(row: ChannelRow, used: int) -> ChannelResponse:
    return ChannelResponse(
        id=row.id,
        name=row.name,
        url=delivery.redact(row.url),
        default=row.default,
        on=list(row.on),  # type: ignore[arg-type]
        schedules=used,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
