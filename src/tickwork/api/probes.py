"""/healthz and /readyz: for systemd, Kubernetes and load balancers.

Outside /api/v1 and open even when authentication is on (a probe carries no credentials), so
they say one word and nothing else: no versions, no paths, no reasons. The detail is at
GET /api/v1/health, behind the guard.

    /healthz  200 while this process serves requests at all (liveness)
    /readyz   200 while the database answers and, in a process that hosts the scheduler, the
              scheduler runs; else 503 (readiness: take it out of the rotation)
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from tickwork import vitals
from tickwork.api.context import runtime

bp = Blueprint("probes", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return _answer(True)


@bp.get("/readyz")
def readyz() -> Response:
    rt = runtime()
    ready = rt.started and vitals.ready(rt.store, rt.hosts_scheduler, rt.engine.alive)
    return _answer(ready)


def _answer(ok: bool) -> Response:
    response = jsonify(status="ok" if ok else "unavailable")
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"  # a cached "ok" would hide an outage
    return response
