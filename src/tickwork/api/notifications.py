"""/notifications: channels (admin only: their URLs hold other services' secrets) and the
outbox, so that sends that failed are visible."""

from __future__ import annotations

from flask import Blueprint

from tickwork.api.audit import note
from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.schemas import (
    ChannelCreateRequest,
    ChannelIdPath,
    ChannelListResponse,
    ChannelResponse,
    ChannelTestResponse,
    ChannelUpdateRequest,
    DeleteQuery,
    ErrorResponse,
    OutboxListResponse,
    OutboxQuery,
)

bp = Blueprint("notifications", __name__, url_prefix=PREFIX)
NOT_FOUND = {404: ErrorResponse}


@SPEC.route(
    bp,
    "/notifications/channels",
    "GET",
    summary="All notification channels (URLs redacted)",
    access="admin",
    responses={200: ChannelListResponse},
)
def list_channels() -> ChannelListResponse:
    return ChannelListResponse(items=runtime().channels.all())


@SPEC.route(
    bp,
    "/notifications/channels",
    "POST",
    summary="Add a channel: a name and an apprise URL",
    body=ChannelCreateRequest,
    responses={201: ChannelResponse, 409: ErrorResponse},
)
def create_channel(body: ChannelCreateRequest) -> ChannelResponse:
    return runtime().channels.create(body, audit=note("channel.create", "channel"))


@SPEC.route(
    bp,
    "/notifications/channels/<channel_id>",
    "PUT",
    summary="Change a channel (partial; without url the stored one stays)",
    path=ChannelIdPath,
    body=ChannelUpdateRequest,
    responses={200: ChannelResponse, **NOT_FOUND, 409: ErrorResponse},
)
def update_channel(path: ChannelIdPath, body: ChannelUpdateRequest) -> ChannelResponse:
    audit = note("channel.update", "channel")
    return runtime().channels.update(path.channel_id, body, audit=audit)


@SPEC.route(
    bp,
    "/notifications/channels/<channel_id>",
    "DELETE",
    summary="Delete a channel and its pending notifications",
    path=ChannelIdPath,
    query=DeleteQuery,
    responses={204: None, **NOT_FOUND, 409: ErrorResponse},
)
def delete_channel(path: ChannelIdPath, query: DeleteQuery) -> None:
    audit = note("channel.delete", "channel")
    runtime().channels.delete(path.channel_id, detach=query.detach, audit=audit)


@SPEC.route(
    bp,
    "/notifications/channels/<channel_id>/test",
    "POST",
    summary="Send a test message now and say whether it went",
    path=ChannelIdPath,
    responses={200: ChannelTestResponse, **NOT_FOUND},
)
def test_channel(path: ChannelIdPath) -> ChannelTestResponse:
    return runtime().channels.test(path.channel_id, audit=note("channel.test", "channel"))


@SPEC.route(
    bp,
    "/notifications/outbox",
    "GET",
    summary="Notifications, newest first: pending, sent, failed, dropped, digested",
    query=OutboxQuery,
    access="admin",
    responses={200: OutboxListResponse},
)
def list_outbox(query: OutboxQuery) -> OutboxListResponse:
    items, total = runtime().channels.outbox_page(query.status, query.page, query.page_size)
    return OutboxListResponse(items=items, total=total, page=query.page, page_size=query.page_size)
