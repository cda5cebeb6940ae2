"""The notification outbox: a row per message, written in the transaction of the event it
tells of, and the queries with which the sender (tickwork.notify.sender) works through them.

    enqueue ──> pending ──claim, send ok──> sent
                  │ └────claim, send failed──> pending, due after a backoff
                  │                           ... until the last attempt ──> failed
                  ├──its channel flooded──> digested   (merged into the channel's pending
                  │                                     `digest` row, sent at the window's end)
                  └──its channel deleted──> dropped

Written with the event, so a crash loses nothing: the row commits with the run's end (or its
start) or not at all. Sending happens later, outside every run-path transaction.

Who hears of an event: a schedule's `notify` names channels and the events each hears of;
a schedule whose list is empty is spoken for by the `default` channels, each for the events
in its own `on` (a schedule that wants silence names a channel with `on: []`). A transition
that is several events at once (the last attempt failing is `retries_exhausted` and
`failed`) gives each channel one row, for the first of those events that it hears.

Cheap on the run path: the channels are a snapshot kept per store, refreshed by the sender at
every poll, reloaded here only when it is older than STALE_SECONDS, and dropped at once by a
change made in this process. So while no channel exists an end or a start reads and writes
nothing more, and an end whose schedule subscribes to nothing neither.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, delete, event, func, select, update
from sqlalchemy.orm import Session

from tickwork.store.tables import ChannelRow, OutboxRow, ScheduleRow

# The events a subscription may name, in the order the API documents them.
EVENTS = (
    "started",
    "succeeded",
    "failed",
    "timeout",
    "recovered",
    "retries_exhausted",
    "missed",
    "stuck",
)
# The event of a row that merges a flood of others (their digest_id names it).
DIGEST = "digest"
# A snapshot older than this is reloaded by the run path itself (the sender refreshes it at
# every poll, so this only matters in a process without one).
STALE_SECONDS = 10.0
# What a row keeps of the run's output: its last lines, bounded (messages are not logs).
TAIL_LINES = 20
TAIL_CHARS = 2000


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"
    DIGESTED = "digested"


ENDED = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.DROPPED, OutboxStatus.DIGESTED)


@dataclass(frozen=True)
class Channel:
    """What resolving subscriptions needs of a channel (never its URL)."""

    id: str
    default: bool
    on: frozenset[str]


@dataclass(frozen=True)
class _Snapshot:
    channels: dict[str, Channel]
    loaded: float  # monotonic


# Per store, keyed by its connection pool (the read and write engines share it), so several
# stores in one process (the tests') never see each other's channels.
_snapshots: weakref.WeakKeyDictionary[Any, _Snapshot] = weakref.WeakKeyDictionary()
_wakers: weakref.WeakKeyDictionary[Any, threading.Event] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_WAKE_KEY = "tickwork.outbox.wake"


def _key(session: Session) -> Any:
    return session.get_bind().engine.pool


def channels(session: Session, max_age: float = STALE_SECONDS) -> dict[str, Channel]:
    """The store's channels by id, from the snapshot unless it is older than `max_age`."""
    key = _key(session)
    with _lock:
        known = _snapshots.get(key)
    if known is not None and time.monotonic() - known.loaded <= max_age:
        return known.channels
    rows = session.execute(select(ChannelRow.id, ChannelRow.default, ChannelRow.on)).all()
    loaded = {r.id: Channel(r.id, bool(r.default), frozenset(r.on or ())) for r in rows}
    with _lock:
        _snapshots[key] = _Snapshot(loaded, time.monotonic())
    return loaded


def forget_channels(session: Session) -> None:
    """Drop the snapshot: the channels changed (its next use reloads it)."""
    with _lock:
        _snapshots.pop(_key(session), None)


def listen(engine: Engine, wake: threading.Event) -> None:
    """Set `wake` whenever a transaction that enqueued rows on `engine`'s store commits."""
    with _lock:
        _wakers[engine.pool] = wake


def hearing(session: Session, notify: Sequence[Any] | None) -> dict[str, frozenset[str]]:
    """Channel id -> the events it hears of, for a schedule whose list is `notify`."""
    known = channels(session)
    if not known:
        return {}
    subscriptions = [s for s in notify or () if isinstance(s, dict)]
    if subscriptions:
        return {
            s["channel"]: frozenset(s.get("on") or ())
            for s in subscriptions
            if s.get("channel") in known
        }
    return {c.id: c.on for c in known.values() if c.default}


def wanted(listeners: dict[str, frozenset[str]], event_name: str) -> bool:
    return any(event_name in events for events in listeners.values())


def enqueue(
    session: Session,
    schedule_id: str,
    event_name: str | Sequence[str],
    run_id: int | None,
    at: datetime,
    detail: dict[str, Any],
    *,
    notify: Sequence[Any] | None = None,
) -> list[int]:
    """One pending row per channel that hears of `event_name` for `schedule_id`, in the
    caller's transaction; the ids written. `event_name` may be several events in order of
    preference (each channel gets the first it hears). `notify` is the schedule's list when
    the caller has its row already; otherwise it is read (by the primary key)."""
    events = (event_name,) if isinstance(event_name, str) else tuple(event_name)
    if not channels(session):
        return []
    if notify is None:
        notify = session.scalar(select(ScheduleRow.notify).where(ScheduleRow.id == schedule_id))
        if notify is None:
            return []  # no such schedule
    return _write(session, schedule_id, events, run_id, at, detail, hearing(session, notify))


def _write(
    session: Session,
    schedule_id: str,
    events: tuple[str, ...],
    run_id: int | None,
    at: datetime,
    detail: dict[str, Any],
    listeners: dict[str, frozenset[str]],
) -> list[int]:
    rows = []
    for channel_id, heard in sorted(listeners.items()):
        chosen = next((e for e in events if e in heard), None)
        if chosen is not None:
            rows.append(_pending(channel_id, schedule_id, run_id, chosen, at, _kept(detail)))
    return _added(session, rows)


def enqueue_message(
    session: Session, channel_id: str, event_name: str, at: datetime, title: str, text: str
) -> int:
    """One pending row for `channel_id` that is about no schedule or run (the weekly
    report): its title and text are sent as they are. The id written."""
    body = {"title": title, "text": text}
    return _added(session, [_pending(channel_id, None, None, event_name, at, body)])[0]


def _pending(
    channel_id: str,
    schedule_id: str | None,
    run_id: int | None,
    event_name: str,
    at: datetime,
    body: dict[str, Any],
) -> OutboxRow:
    return OutboxRow(
        channel_id=channel_id,
        schedule_id=schedule_id,
        run_id=run_id,
        event=event_name,
        created_at=at,
        due_at=at,
        attempts=0,
        status=OutboxStatus.PENDING.value,
        body=body,
    )


def _added(session: Session, rows: list[OutboxRow]) -> list[int]:
    """`rows` written, and the sender woken once they commit; their ids."""
    if not rows:
        return []
    session.add_all(rows)
    session.flush()
    _wake_after_commit(session)
    return [row.id for row in rows]


def _kept(detail: dict[str, Any]) -> dict[str, Any]:
    """`detail` with the output cut to its last lines: a message is no place for a log."""
    tail = detail.get("output_tail")
    if not isinstance(tail, str) or not tail:
        return dict(detail)
    lines = tail.rstrip("\n").splitlines()[-TAIL_LINES:]
    return {**detail, "output_tail": "\n".join(lines)[-TAIL_CHARS:]}


def _wake_after_commit(session: Session) -> None:
    with _lock:
        wake = _wakers.get(_key(session))
    if wake is None or session.info.get(_WAKE_KEY):
        return
    session.info[_WAKE_KEY] = True

    def woken(_session: Session) -> None:
        session.info.pop(_WAKE_KEY, None)
        wake.set()

    event.listen(session, "after_commit", woken, once=True)


# -- the sender's side -----------------------------------------------------------------------


def due(session: Session, now: datetime, limit: int) -> list[OutboxRow]:
    """Pending rows whose time has come, oldest due first."""
    return list(
        session.scalars(
            select(OutboxRow)
            .where(OutboxRow.status == OutboxStatus.PENDING.value, OutboxRow.due_at <= now)
            .order_by(OutboxRow.due_at, OutboxRow.id)
            .limit(limit)
        ).all()
    )


def claim(session: Session, row_id: int, attempts: int, now: datetime, lease: datetime) -> bool:
    """Take a due row for one attempt: its due time moves to `lease`, so no other sender takes
    it meanwhile, and a sender that dies mid-send leaves it to be tried again then. Refused
    (False) when another sender took it first."""
    taken = session.execute(
        update(OutboxRow)
        .where(
            OutboxRow.id == row_id,
            OutboxRow.status == OutboxStatus.PENDING.value,
            OutboxRow.attempts == attempts,
            OutboxRow.due_at <= now,
        )
        .values(due_at=lease)
        .returning(OutboxRow.id)
        .execution_options(synchronize_session=False)
    ).first()
    return taken is not None


def sent(session: Session, row_id: int, at: datetime) -> None:
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id)
        .values(
            status=OutboxStatus.SENT.value,
            sent_at=at,
            due_at=at,
            last_attempt_at=at,
            attempts=OutboxRow.attempts + 1,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )


def missed(
    session: Session, row_id: int, at: datetime, error: str, retry_at: datetime | None
) -> None:
    """An attempt failed with `error`: try again at `retry_at`, or give up (None)."""
    values: dict[str, Any] = {
        "last_attempt_at": at,
        "attempts": OutboxRow.attempts + 1,
        "last_error": error,
    }
    if retry_at is None:
        values["status"] = OutboxStatus.FAILED.value
        values["due_at"] = at
    else:
        values["due_at"] = retry_at
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.id == row_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def attempts_since(session: Session, channel_id: str, since: datetime) -> list[datetime]:
    """When each row of `channel_id` last tried to reach it, after `since`, oldest first:
    what the rate limit counts (failed attempts reach the receiver too)."""
    found = session.scalars(
        select(OutboxRow.last_attempt_at)
        .where(OutboxRow.channel_id == channel_id, OutboxRow.last_attempt_at > since)
        .order_by(OutboxRow.last_attempt_at)
    ).all()
    return [at for at in found if at is not None]


def fold(
    session: Session, channel_id: str, row_ids: Sequence[int], due_at: datetime, at: datetime
) -> int | None:
    """Merge pending `row_ids` into the channel's pending digest (made, due at `due_at`,
    when there is none); the digest's id, or None when none of them was pending still."""
    digest_id = session.scalar(
        select(OutboxRow.id)
        .where(
            OutboxRow.channel_id == channel_id,
            OutboxRow.event == DIGEST,
            OutboxRow.status == OutboxStatus.PENDING.value,
        )
        .order_by(OutboxRow.id)
        .limit(1)
    )
    if digest_id is None:
        digest = OutboxRow(
            channel_id=channel_id,
            event=DIGEST,
            created_at=at,
            due_at=due_at,
            attempts=0,
            status=OutboxStatus.PENDING.value,
            body={},
        )
        session.add(digest)
        session.flush()
        digest_id = digest.id
    merged = session.execute(
        update(OutboxRow)
        .where(OutboxRow.id.in_(list(row_ids)), OutboxRow.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.DIGESTED.value, digest_id=digest_id)
        .returning(OutboxRow.id)
        .execution_options(synchronize_session=False)
    ).all()
    return digest_id if merged else None


def merged_into(session: Session, digest_id: int) -> list[OutboxRow]:
    return list(
        session.scalars(
            select(OutboxRow).where(OutboxRow.digest_id == digest_id).order_by(OutboxRow.id)
        ).all()
    )


def drop(session: Session, row_ids: Iterable[int], reason: str, at: datetime) -> None:
    session.execute(
        update(OutboxRow)
        .where(OutboxRow.id.in_(list(row_ids)), OutboxRow.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.DROPPED.value, last_error=reason, last_attempt_at=at)
        .execution_options(synchronize_session=False)
    )


# -- reads and housekeeping --------------------------------------------------------------------


def page(
    session: Session, status: str | None, offset: int, limit: int
) -> tuple[list[OutboxRow], int]:
    """Rows newest first, optionally of one status, and how many match in all."""
    where = [OutboxRow.status == status] if status else []
    total = session.scalar(select(func.count()).select_from(OutboxRow).where(*where)) or 0
    rows = session.scalars(
        select(OutboxRow).where(*where).order_by(OutboxRow.id.desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total


def delete_for_channel(session: Session, channel_id: str) -> None:
    """A deleted channel's rows go with it: nothing can be sent to it any more."""
    session.execute(delete(OutboxRow).where(OutboxRow.channel_id == channel_id))


def prune(session: Session, before: datetime) -> int:
    """Delete ended rows made before `before` (the history's retention)."""
    gone = session.execute(
        delete(OutboxRow)
        .where(OutboxRow.created_at < before, OutboxRow.status.in_([s.value for s in ENDED]))
        .returning(OutboxRow.id)
    )
    return len(gone.all())
