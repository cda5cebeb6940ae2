"""GET /metrics: Prometheus's scrape (tickwork/metrics.py says what it holds).

Outside /api/v1 like the probes, but not open like them: the answer names every schedule.
Without authentication configured it is open, as the API is (the server then listens on
loopback only). With it, the caller shows the API token, the metrics token (setting
metrics_token: opens this and nothing else), or a session of any role. A metrics token set
alone closes /metrics while the API stays open. Tokens are compared, never logged.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from tickwork.api.context import runtime
from tickwork.auth import guard
from tickwork.errors import Unauthorized
from tickwork.runtime import Runtime

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics() -> Response:
    rt = runtime()
    _admit(rt)
    body, content_type = rt.metrics.render(request.headers.get("Accept"))
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response


def _admit(rt: Runtime) -> None:
    """Let the scrape through, or raise Unauthorized (401) or Forbidden (403)."""
    metrics_token = rt.settings.metrics_token
    header = request.headers.get("Authorization")
    if header is not None and guard.token_matches(header, metrics_token):
        return
    if metrics_token and not guard.auth_enabled(rt.settings, rt.store):
        raise Unauthorized("send the metrics token as 'Authorization: Bearer <token>'")
    guard.authorize("viewer", rt.settings, rt.store)
