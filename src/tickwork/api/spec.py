"""Typed Flask routes that validate with Pydantic and describe themselves in OpenAPI 3.1.

A route declares its body, query and path models and its responses; the same declaration
validates the request, serialises the answer and writes the document, so the document
cannot drift from what the server does. Answers to bad input are built here, in one place:
400 for a body that is not JSON, 422 naming every offending field.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from tickwork.errors import BadRequest, ValidationFailed
from tickwork.schemas import ErrorResponse, ValidationErrorResponse, field_errors

View = Callable[..., Any]
ERROR_DESCRIPTIONS = {
    400: "Malformed request body",
    401: "Authentication required",
    403: "Not allowed for this role",
    404: "Unknown id",
    409: "Conflicts with the current state",
    413: "Request body too large",
    422: "Validation failed",
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
    responses: dict[int, type[BaseModel] | str | None]


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
        responses: dict[int, type[BaseModel] | str | None],
        body: type[BaseModel] | None = None,
        body_required: bool = True,
        query: type[BaseModel] | None = None,
        path: type[BaseModel] | None = None,
    ) -> Callable[[View], View]:
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
            "components": {"schemas": defs.get("$defs", {})},
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
    for code, answer in sorted(codes.items()):
        entry: dict[str, Any] = {"description": ERROR_DESCRIPTIONS.get(code, "OK")}
        if isinstance(answer, type):
            entry["content"] = {"application/json": {"schema": refs[(answer, "serialization")]}}
        elif isinstance(answer, str):
            entry["content"] = {answer: {"schema": {"type": "string"}}}
        responses[str(code)] = entry
    doc["responses"] = responses
    return doc


def _parse(op: Operation, path_args: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    try:
        if op.path is not None:
            kwargs["path"] = op.path.model_validate(path_args)
        if op.query is not None:
            kwargs["query"] = op.query.model_validate(_query_args(op.query))
    except ValidationError as exc:
        raise field_errors(exc) from None
    if op.body is not None:
        raw = _json_body(required=op.body_required)
        try:
            # Strict: JSON has real booleans and numbers, so "yes" is not True and "5" not 5.
            kwargs["body"] = op.body.model_validate(raw, strict=True)
        except ValidationError as exc:
            raise field_errors(exc) from None
    return kwargs


def _query_args(model: type[BaseModel]) -> dict[str, Any]:
    unknown = set(request.args) - set(model.model_fields)
    if unknown and model.model_config.get("extra") == "forbid":
        raise ValidationFailed.one(sorted(unknown)[0], "unknown query parameter")
    return {k: v for k, v in request.args.items() if k in model.model_fields}


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
