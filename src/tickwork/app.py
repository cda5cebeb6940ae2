"""The Flask application factory: the API, its OpenAPI document and docs, and the web page."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException

from tickwork.api import events, meta, runs, schedules
from tickwork.api.context import PREFIX, SPEC
from tickwork.api.spec import error_response
from tickwork.errors import TickworkError
from tickwork.runtime import Runtime

log = logging.getLogger(__name__)
WEBUI = Path(__file__).parent / "webui"
MAX_BODY_BYTES = 16 * 1024 * 1024  # room for schedules.json with thousands of schedules

DOCS_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>tickwork API</title>
<link rel="stylesheet" href="{prefix}/docs/static/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="{prefix}/docs/static/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({{url: "{prefix}/openapi.json", dom_id: "#ui"}});</script>
</body></html>"""


def create_app(runtime: Runtime) -> Flask:
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["tickwork"] = runtime
    for blueprint in (schedules.bp, runs.bp, meta.bp, events.bp):
        app.register_blueprint(blueprint)
    _register_errors(app)
    _register_docs(app)
    _register_webui(app)
    return app


def _register_errors(app: Flask) -> None:
    @app.errorhandler(TickworkError)
    def tickwork_error(exc: TickworkError) -> Any:
        return error_response(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if not request.path.startswith(PREFIX):
            return exc
        code = exc.code or 500
        name = (exc.name or "error").lower().replace(" ", "_")
        return jsonify(error=name, message=exc.description or exc.name), code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error="internal_error", message="internal error; see the server log"), 500


def _register_docs(app: Flask) -> None:
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    document = SPEC.document()

    @app.get(f"{PREFIX}/openapi.json")
    def openapi_document() -> Any:
        return jsonify(document)

    @app.get(f"{PREFIX}/docs")
    def api_docs() -> Response:
        return Response(DOCS_PAGE.format(prefix=PREFIX), mimetype="text/html")

    @app.get(f"{PREFIX}/docs/static/<path:filename>")
    def api_docs_static(filename: str) -> Response:
        return send_from_directory(swagger_ui_path, filename)


def _register_webui(app: Flask) -> None:
    """The built Vue app; unknown paths outside the API get index.html (history routing)."""

    @app.get("/")
    @app.get("/<path:path>")
    def webui(path: str = "") -> Any:
        if path.startswith(PREFIX.lstrip("/")):
            return jsonify(error="not_found", message=f"no such endpoint: /{path}"), 404
        index = WEBUI / "index.html"
        if path and (WEBUI / path).is_file():
            return send_from_directory(WEBUI, path)
        if not index.exists():
            return Response(
                "tickwork API is running; the web page is not built (run `make install`).\n"
                f"API docs: {PREFIX}/docs\n",
                mimetype="text/plain",
            )
        return send_from_directory(WEBUI, "index.html")
