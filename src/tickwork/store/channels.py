"""Queries on the notification channels, and on the schedules that subscribe to them.

Subscriptions live in each schedule's `notify` JSON (the end of a run has that row locked
already), so "who uses this channel" reads the schedules that have any; an admin's question,
asked when a channel is listed or deleted, never on the run path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickwork.store.tables import ChannelRow, ScheduleRow


def get(session: Session, channel_id: str) -> ChannelRow | None:
    return session.get(ChannelRow, channel_id)


def by_name(session: Session, name: str) -> ChannelRow | None:
    return session.scalar(select(ChannelRow).where(ChannelRow.name == name))


def all_rows(session: Session) -> list[ChannelRow]:
    return list(session.scalars(select(ChannelRow).order_by(ChannelRow.name)).all())


def targets(session: Session, ids: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Channel id -> (name, url) for those of `ids` that exist: what sending needs."""
    if not ids:
        return {}
    rows = session.execute(
        select(ChannelRow.id, ChannelRow.name, ChannelRow.url).where(ChannelRow.id.in_(list(ids)))
    ).all()
    return {row.id: (row.name, row.url) for row in rows}


def existing(session: Session, ids: Sequence[str]) -> set[str]:
    if not ids:
        return set()
    found = session.scalars(select(ChannelRow.id).where(ChannelRow.id.in_(list(set(ids)))))
    return set(found.all())


def subscribers(session: Session) -> list[tuple[str, str, list[Any]]]:
    """(id, name, notify) of each schedule whose `notify` list is not empty, by name. Read
    narrow: PostgreSQL's json has no equality to filter on, so the empty ones are skipped
    here."""
    rows = session.execute(
        select(ScheduleRow.id, ScheduleRow.name, ScheduleRow.notify).order_by(
            ScheduleRow.name, ScheduleRow.id
        )
    ).all()
    return [(row.id, row.name, row.notify) for row in rows if row.notify]


def channel_ids(notify: Sequence[Any] | None) -> list[str]:
    """The channel ids a `notify` list names, in its order."""
    return [s["channel"] for s in notify or () if isinstance(s, dict) and "channel" in s]


def usage(session: Session) -> dict[str, list[tuple[str, str]]]:
    """Channel id -> the (name, id) of each schedule subscribed to it."""
    used: dict[str, list[tuple[str, str]]] = {}
    for schedule_id, name, notify in subscribers(session):
        for channel_id in dict.fromkeys(channel_ids(notify)):
            used.setdefault(channel_id, []).append((name, schedule_id))
    return used
