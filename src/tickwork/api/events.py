"""/events: server-sent events, so the page follows runs and schedule changes live."""

from __future__ import annotations

import json
import queue
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, stream_with_context

from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.errors import NotFound
from tickwork.events import Event
from tickwork.runtime import Runtime
from tickwork.schemas import ErrorResponse

bp = Blueprint("events", __name__, url_prefix=PREFIX)
HEARTBEAT_SECONDS = 15.0


@SPEC.route(
    bp,
    "/events",
    "GET",
    summary="Server-sent events: run and schedule changes",
    responses={200: "text/event-stream", 503: ErrorResponse},
)
def events() -> Response:
    rt = runtime()
    subscription = rt.bus.subscribe()

    def stream() -> Iterator[str]:
        try:
            yield "retry: 3000\n\n"
            while True:
                try:
                    event = subscription.get(timeout=HEARTBEAT_SECONDS)
                except queue.Empty:
                    yield ": keep-alive\n\n"
                    continue
                yield f"event: {event.kind}\ndata: {json.dumps(_payload(rt, event))}\n\n"
        finally:
            rt.bus.unsubscribe(subscription)

    return Response(
        stream_with_context(stream()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _payload(rt: Runtime, event: Event) -> dict[str, Any]:
    data = dict(event.data)
    try:
        if event.kind == "run":
            data["run"] = rt.service.run(data["run_id"]).model_dump(mode="json")
        elif event.kind == "schedule" and data.get("schedule_id") and data["action"] != "deleted":
            data["schedule"] = rt.service.one(data["schedule_id"]).model_dump(mode="json")
    except NotFound:
        pass  # deleted since; the id alone tells the page what to drop
    return data
