"""The errors tickwork raises on purpose, each carrying what an API answer needs.

    TickworkError                 base; `status` is the HTTP status the API answers with
    ├── BadRequest          400   a body that is not JSON, or not the right shape at all
    ├── NotFound            404   an unknown schedule or run id
    ├── Conflict            409   the request clashes with the current state (cancel a finished run)
    ├── ValidationFailed    422   well-formed input with invalid values; carries field messages
    └── ConfigError         -     the server's own configuration is wrong (registry, settings)

Errors raised by the pure modules (cron, workflows) are `ValidationFailed` so the API can
answer them without translation; the field names they carry are API field names.
"""

from __future__ import annotations

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
