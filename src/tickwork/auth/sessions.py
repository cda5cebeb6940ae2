"""The session cookie: Flask's signed cookie holding the username, role and CSRF token.

The signing key is the `secret_key` setting, or one generated at first start and kept in
`<data_dir>/secret_key` (mode 0600), so sessions survive a restart. Web processes behind one
load balancer must share it: set `secret_key` for scale-out.
"""

from __future__ import annotations

import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, session

from tickwork.auth import passwords
from tickwork.auth.users import User
from tickwork.config import Settings
from tickwork.errors import ConfigError

log = logging.getLogger(__name__)
COOKIE_NAME = "tickwork_session"
CSRF_HEADER = "X-CSRF-Token"
LIFETIME = timedelta(hours=12)  # renewed by every request, so an open page stays logged in


def configure(app: Flask, settings: Settings) -> None:
    app.secret_key = settings.secret_key or load_or_create_key(settings.data_dir / "secret_key")
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=LIFETIME,
    )


def load_or_create_key(path: Path) -> str:
    if not path.exists():
        _create_key(path)
    if path.stat().st_mode & 0o077:
        log.warning("%s can be read by other users; chmod 600 it", path)
    key = path.read_text().strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable key; delete it to have a new one made")
    return key


def _create_key(path: Path) -> None:
    # Written aside and linked into place: two processes starting at once agree on one key,
    # and nobody ever reads a half-written file.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def start(user: User) -> str:
    """Log `user` in on this response's cookie; returns the new CSRF token."""
    session.clear()
    session.permanent = True
    session["user"] = user.username
    session["role"] = user.role
    session["key"] = passwords.fingerprint(user.password_hash)
    session["csrf"] = token = secrets.token_urlsafe(32)
    return token


def renew_key(user: User) -> None:
    """After the caller changed their own password: keep this session, end the others."""
    session["key"] = passwords.fingerprint(user.password_hash)


def end() -> None:
    session.clear()


def current_username() -> str | None:
    name = session.get("user")
    return name if isinstance(name, str) else None


def matches(user: User) -> bool:
    """True while the session was opened with the user's current password."""
    return session.get("key") == passwords.fingerprint(user.password_hash)


def csrf_token() -> str | None:
    token = session.get("csrf")
    return token if isinstance(token, str) else None
