"""Password hashes: scrypt through werkzeug, so the format is standard and self-describing."""

from __future__ import annotations

import functools
import hashlib

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
MAX_LENGTH = 1024  # hashing is deliberately slow; do not let a request make it slower


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def verify(password_hash: str | None, password: str) -> bool:
    """Check `password`; for an unknown user (`None`) spend the same time and say no, so the
    answer's timing does not tell which usernames exist."""
    if password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)


def fingerprint(password_hash: str) -> str:
    """A short token that changes with the password: sessions carry it, so setting a new
    password ends every session opened with the old one."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


@functools.cache
def _dummy_hash() -> str:
    return hash_password("not a password anyone has")
