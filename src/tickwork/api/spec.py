"""Typed Flask routes that validate with Pydantic and describe themselves in OpenAPI 3.1.

A route declares its body, query and path models, its responses and the role it needs; the
same declaration validates the request, serialises the answer, tells the app's guard whom to
let through, and writes the document, so the document cannot drift from what the server
does. Answers to bad input are built here, in one place: 400 for a body that is not JSON,
422 naming every offending field. Every operation but the public ones also answers 401 (no
or wrong credentials) and 403 (role too low, or the CSRF header missing).
"""

from __future__ import annotations

import functools
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from tickwork.auth.roles import Access
from tickwork.auth.sessions import COOKIE_NAME, CSRF_HEADER
from tickwork.errors import BadRequest, ValidationFailed
from tickwork.schemas import ErrorResponse, ValidationErrorResponse, field_errors, nul_errors

View = Callable[..., Any]
# What a status answers: a model (JSON), a content type (text), a model or another content
# type (as the query chooses, e.g. a report as JSON or CSV), or nothing.
Answer = type[BaseModel] | str | tuple[type[BaseModel], str] | None
ERROR_DESCRIPTIONS = {
    400: "Malformed request body",
    401: "Authentication required",
    403: "Not allowed for this role",
    404: "Unknown id",
    409: "Conflicts with the current state",
    413: "Request body too large",
    503: "Unavailable just now (no room, or the store is in trouble); try again later",
    422: "Validation failed",
    429: "Too many failed attempts; wait and try again",
}
UNSAFE_METHODS = frozenset({"post", "put", "patch", "delete"})
SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "The server's API token (setting api_token); acts as admin.",
    },
    "cookieAuth": {
        "type": "apiKey",
        "in": "cookie",
        "name": COOKIE_NAME,
        "description": f"The session from POST /auth/login. Requests that change something "
        f"must also send the session's csrf_token in the {CSRF_HEADER} header.",
    },
}


@dataclass
class Operation:
    method: str
    rule: str
    name: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    body_required: bool
    query: type[BaseModel] | None
    path: type[BaseModel] | None
    responses: dict[int, Answer]
    access: Access

    @property
    def endpoint(self) -> str:
        """Flask's name for the route: how a request finds its operation."""
        return f"{self.tag}.{self.name}"


@dataclass
class ApiSpec:
    title: str
    version: str
    prefix: str
    operations: list[Operation] = field(default_factory=list)

    def route(
        self,
        blueprint: Blueprint,
        rule: str,
        method: str,
        *,
        summary: str,
        responses: dict[int, Answer],
        body: type[BaseModel] | None = None,
        body_required: bool = True,
        query: type[BaseModel] | None = None,
        path: type[BaseModel] | None = None,
        access: Access | None = None,
    ) -> Callable[[View], View]:
        """Declare a route. `access` is the least role it needs, or "public"; without one,
        reading needs viewer and anything else admin, so a new route is never left open."""

        def register(view: View) -> View:
            op = Operation(
                method.lower(),
                rule,
                view.__name__,
                summary,
                blueprint.name,
                body,
                body_required,
                query,
                path,
                responses,
                access or ("viewer" if method.upper() == "GET" else "admin"),
            )
            self.operations.append(op)

            @functools.wraps(view)
            def endpoint(**path_args: Any) -> Any:
                kwargs = _parse(op, path_args)
                return _answer(view(**kwargs), op)

            blueprint.add_url_rule(rule, view.__name__, endpoint, methods=[method.upper()])
            return view

        return register

    def document(self) -> dict[str, Any]:
        models: set[type[BaseModel]] = {ErrorResponse, ValidationErrorResponse}
        for op in self.operations:
            if op.body is not None:
                models.add(op.body)
            models.update(m for m in op.responses.values() if isinstance(m, type))
            models.update(m[0] for m in op.responses.values() if isinstance(m, tuple))
        ordered = sorted(models, key=lambda m: m.__name__)
        modes: tuple[JsonSchemaMode, ...] = ("validation", "serialization")
        pairs = [(m, mode) for m in ordered for mode in modes]
        refs, defs = models_json_schema(pairs, ref_template="#/components/schemas/{model}")
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            paths.setdefault(_openapi_path(self.prefix + op.rule), {})[op.method] = _operation(
                op, refs
            )
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "paths": paths,
            "components": {
                "schemas": defs.get("$defs", {}),
                "securitySchemes": SECURITY_SCHEMES,
            },
            "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        }


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _operation(op: Operation, refs: dict[Any, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"summary": op.summary, "operationId": op.name, "tags": [op.tag]}
    params = []
    for where, model in (("path", op.path), ("query", op.query)):
        if model is None:
            continue
        schema = model.model_json_schema()
        for name, prop in schema.get("properties", {}).items():
            params.append(
                {
                    "name": name,
                    "in": where,
                    "required": where == "path" or name in schema.get("required", []),
                    "schema": {k: v for k, v in prop.items() if k != "title"},
                }
            )
    guarded = op.access != "public"
    if guarded and op.method in UNSAFE_METHODS:
        params.append(
            {
                "name": CSRF_HEADER,
                "in": "header",
                "required": False,
                "description": "The session's csrf_token; needed with the session cookie.",
                "schema": {"type": "string"},
            }
        )
    if not guarded:
        doc["security"] = []
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {
            "required": op.body_required,
            "content": {"application/json": {"schema": refs[(op.body, "validation")]}},
        }
    responses: dict[str, Any] = {}
    codes = dict(op.responses)
    if op.body is not None:
        codes.setdefault(400, ErrorResponse)
    if op.body is not None or op.query is not None or op.path is not None:
        codes.setdefault(422, ValidationErrorResponse)
    if guarded:
        codes.setdefault(401, ErrorResponse)
    if guarded or op.method in UNSAFE_METHODS:  # cross-site writes are refused even when public
        codes.setdefault(403, ErrorResponse)
    for code, answer in sorted(codes.items()):
        entry: dict[str, Any] = {"description": ERROR_DESCRIPTIONS.get(code, "OK")}
        if isinstance(answer, tuple):  # JSON, or the other type the query asks for
            model, other = answer
            entry["content"] = {
                "application/json": {"schema": refs[(model, "serialization")]},
                other: {"schema": {"type": "string"}},
            }
        elif isinstance(answer, type):
            entry["content"] = {"application/json": {"schema": refs[(answer, "serialization")]}}
        elif isinstance(answer, str):
            entry["content"] = {answer: {"schema": {"type": "string"}}}
        responses[str(code)] = entry
    doc["responses"] = responses
    return doc


def _parse(op: Operation, path_args: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    if op.path is not None:
        _refuse_nul(path_args)
    query = _query_args(op.query) if op.query is not None else {}
    _refuse_nul(query)
    try:
        if op.path is not None:
            kwargs["path"] = op.path.model_validate(path_args)
        if op.query is not None:
            kwargs["query"] = op.query.model_validate(query)
    except ValidationError as exc:
        raise field_errors(exc) from None
    if op.body is not None:
        raw = _json_body(required=op.body_required)
        _refuse_nul(raw)
        try:
            # Strict: JSON has real booleans and numbers, so "yes" is not True and "5" not 5.
            kwargs["body"] = op.body.model_validate(raw, strict=True)
        except ValidationError as exc:
            raise field_errors(exc) from None
    return kwargs


def _refuse_nul(value: Any) -> None:
    if errors := nul_errors(value, ""):
        raise ValidationFailed(errors)


def _query_args(model: type[BaseModel]) -> dict[str, Any]:
    """The query's parameters for `model`: a list field takes every value its name was given
    (`?tag=a&tag=b`), any other field the first."""
    # A field's parameter is its alias where it has one (`from`, which Python keeps).
    names = {field.alias or name: field for name, field in model.model_fields.items()}
    unknown = set(request.args) - set(names)
    if unknown and model.model_config.get("extra") == "forbid":
        raise ValidationFailed.one(sorted(unknown)[0], "unknown query parameter")
    return {
        name: request.args.getlist(name) if _is_list(field.annotation) else request.args[name]
        for name, field in names.items()
        if name in request.args
    }


def _is_list(annotation: Any) -> bool:
    """Whether a field holds a list, alone or in a union (`list[str] | None`)."""
    origin = typing.get_origin(annotation)
    if origin is list:
        return True
    if origin is typing.Annotated:
        return _is_list(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in typing.get_args(annotation))
    return False


def _json_body(required: bool) -> Any:
    data = request.get_data(cache=True)
    if not data.strip():
        if required:
            raise BadRequest("a JSON body is required")
        return {}
    if not (request.mimetype == "application/json" or request.mimetype.endswith("+json")):
        raise BadRequest("send the body as application/json")
    try:
        return request.get_json(force=True)
    except Exception:
        raise BadRequest("the body is not valid JSON") from None


def _answer(result: Any, op: Operation) -> Any:
    status = next(iter(op.responses))
    if isinstance(result, tuple):
        result, status = result
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status=status)
    if isinstance(result, BaseModel):
        return jsonify(result.model_dump(mode="json")), status
    return jsonify(result), status


def error_response(exc: Exception) -> tuple[Response, int]:
    """The one way errors leave the API."""
    from tickwork.errors import TickworkError

    if isinstance(exc, ValidationFailed):
        body = ValidationErrorResponse(
            error=exc.code,
            message=exc.message,
            errors=[{"field": e.field, "message": e.message} for e in exc.errors],  # type: ignore[misc]
        )
        return jsonify(body.model_dump()), exc.status
    assert isinstance(exc, TickworkError)
    return jsonify(ErrorResponse(error=exc.code, message=exc.message).model_dump()), exc.status
