"""Where a request finds the process's runtime, and the API's one OpenAPI document."""

from __future__ import annotations

from typing import cast

from flask import current_app

from tickwork import __version__
from tickwork.api.spec import ApiSpec
from tickwork.runtime import Runtime

PREFIX = "/api/v1"
SPEC = ApiSpec(title="tickwork", version=__version__, prefix=PREFIX)


def runtime() -> Runtime:
    return cast(Runtime, current_app.extensions["tickwork"])
