"""The auth answers, as TickworkErrors so the API's one error helper writes them."""

from __future__ import annotations

import math

from tickwork.errors import TickworkError


class Unauthorized(TickworkError):
    """No credentials, or wrong ones: log in or send the API token."""

    status = 401
    code = "unauthorized"


class Forbidden(TickworkError):
    """Known caller, but the role does not allow it (or the CSRF header is missing)."""

    status = 403
    code = "forbidden"


class TooManyAttempts(TickworkError):
    status = 429
    code = "too_many_requests"

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"too many failed logins; try again in {self.retry_after} second(s)")
