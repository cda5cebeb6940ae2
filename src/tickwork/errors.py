"""The errors tickwork raises on purpose, each carrying what an API answer needs.

    TickworkError                 base; `status` is the HTTP status the API answers with
    ├── BadRequest          400   a body that is not JSON, or not the right shape at all
    ├── Unauthorized        401   no credentials, or wrong ones
    ├── Forbidden           403   a known caller whose role does not allow it (or no CSRF header)
    ├── NotFound            404   an unknown schedule or run id
    ├── Conflict            409   the request clashes with the current state (cancel a finished run)
    ├── ValidationFailed    422   well-formed input with invalid values; carries field messages
    ├── TooManyAttempts     429   too many failed logins; carries `retry_after` seconds
    ├── Busy                503   no room for another live event stream just now
    ├── StorageUnavailable  503   the database cannot be used just now: connection lost,
    │                             disk full, locked by another process, file deleted
    └── ConfigError         -     the server's own configuration is wrong (registry, settings)

Errors raised by the pure modules (cron, workflows) are `ValidationFailed` so the API can
answer them without translation; the field names they carry are API field names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class TickworkError(Exception):
    status = 500
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(TickworkError):
    status = 400
    code = "bad_request"


class Unauthorized(TickworkError):
    status = 401
    code = "unauthorized"


class Forbidden(TickworkError):
    status = 403
    code = "forbidden"


class TooManyAttempts(TickworkError):
    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"too many failed logins; try again in {self.retry_after} second(s)")


class Busy(TickworkError):
    status = 503
    code = "busy"


class StorageUnavailable(TickworkError):
    """The store failed for a reason outside the request; the message says which, and
    whether anything was saved. `retry_after` is a hint in seconds for the client."""

    status = 503
    code = "storage_unavailable"
    retry_after = 5


class NotFound(TickworkError):
    status = 404
    code = "not_found"


class Conflict(TickworkError):
    status = 409
    code = "conflict"


class ValidationFailed(TickworkError):
    status = 422
    code = "validation_error"

    def __init__(self, errors: list[FieldError], message: str = "") -> None:
        super().__init__(message or "; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    @classmethod
    def one(cls, field: str, message: str) -> ValidationFailed:
        return cls([FieldError(field, message)])

    def nested(self, prefix: str) -> ValidationFailed:
        """The same errors with their fields moved under `prefix` (an index in an import)."""
        return ValidationFailed([FieldError(f"{prefix}.{e.field}", e.message) for e in self.errors])


class ConfigError(TickworkError):
    code = "config_error"
