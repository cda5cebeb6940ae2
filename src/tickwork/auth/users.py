"""The users table: people who log in to the web page, each with one role.

Shared by the API and the CLI. The one rule beyond the obvious: while there are users, at
least one of them is an admin, or nobody could manage the others any more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tickwork.auth import passwords
from tickwork.auth.roles import ROLES, Role
from tickwork.errors import Conflict, NotFound, ValidationFailed
from tickwork.store.db import Store
from tickwork.store.tables import UserRow

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$"
USERNAME_MAX = 64  # it is also an audit entry's target id
# Actor names the audit log uses for callers that are not users.
RESERVED = frozenset({"anonymous", "api-token", "cli"})


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    created_at: datetime
    password_hash: str = field(repr=False)


def check_username(username: str) -> str:
    if not 1 <= len(username) <= USERNAME_MAX or not re.match(USERNAME_PATTERN, username):
        raise ValidationFailed.one(
            "username",
            f"1-{USERNAME_MAX} letters, digits and . _ @ -, starting with a letter or digit",
        )
    if username.lower() in RESERVED:
        raise ValidationFailed.one("username", f"{username!r} is reserved")
    return username


def check_password(password: str) -> str:
    if not passwords.MIN_LENGTH <= len(password) <= passwords.MAX_LENGTH:
        raise ValidationFailed.one(
            "password", f"must be {passwords.MIN_LENGTH}-{passwords.MAX_LENGTH} characters"
        )
    return password


def check_role(role: str) -> Role:
    for known in ROLES:
        if role == known:
            return known
    raise ValidationFailed.one("role", f"must be one of {', '.join(ROLES)}")


def exist(store: Store) -> bool:
    # Asked by the guard on every request: read with retries, so a lost connection costs a
    # retry, not the request.
    return store.read(lambda session: session.scalar(select(UserRow.id).limit(1)) is not None)


def get(store: Store, username: str) -> User | None:
    def work(session: Session) -> User | None:
        row = _row(session, username)
        return _user(row) if row is not None else None

    return store.read(work)


def all_users(store: Store) -> list[User]:
    with store.reading() as session:
        return [_user(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))]


def authenticate(store: Store, username: str, password: str) -> User | None:
    """The user when the password is right; None for a wrong password or an unknown name."""
    user = get(store, username)
    ok = passwords.verify(user.password_hash if user else None, password)
    return user if ok else None


def add(store: Store, username: str, password: str, role: str) -> User:
    row = UserRow(
        username=check_username(username),
        password_hash=passwords.hash_password(check_password(password)),
        role=check_role(role),
        created_at=datetime.now(UTC),
    )
    try:
        with store.session() as session:
            if _row(session, username) is not None:
                raise Conflict(f"user {username} already exists")
            session.add(row)
    except IntegrityError:  # created by someone else between our check and our insert
        raise Conflict(f"user {username} already exists") from None
    return _user(row)


def change(
    store: Store, username: str, password: str | None = None, role: str | None = None
) -> User:
    new_role = check_role(role) if role is not None else None
    new_hash = passwords.hash_password(check_password(password)) if password is not None else None
    with store.session() as session:
        row = _existing(session, username)
        if new_role is not None:
            if new_role != "admin":
                _keep_an_admin(session, row, "demote")
            row.role = new_role
        if new_hash is not None:
            row.password_hash = new_hash
    return _user(row)


def remove(store: Store, username: str) -> None:
    with store.session() as session:
        row = _existing(session, username)
        _keep_an_admin(session, row, "remove")
        session.delete(row)


def _keep_an_admin(session: Session, row: UserRow, verb: str) -> None:
    if row.role != "admin":
        return
    # FOR UPDATE: two admins removing each other at once must not both succeed (PostgreSQL;
    # SQLite writers are serialised anyway).
    admins = session.scalars(
        select(UserRow.id).where(UserRow.role == "admin").with_for_update()
    ).all()
    if len(admins) <= 1:
        raise Conflict(f"cannot {verb} {row.username}: it is the last admin")


def _row(session: Session, username: str) -> UserRow | None:
    return session.scalar(select(UserRow).where(UserRow.username == username))


def _existing(session: Session, username: str) -> UserRow:
    row = _row(session, username)
    if row is None:
        raise NotFound(f"no user {username}")
    return row


def _user(row: UserRow) -> User:
    return User(row.username, check_role(row.role), row.created_at, row.password_hash)
