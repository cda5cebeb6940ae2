"""/auth (login, logout, who am I) and /users (admin only): the people who use the web page."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, request

from tickwork.api.audit import record
from tickwork.api.context import PREFIX, SPEC, runtime
from tickwork.auth import audit, guard, sessions, users
from tickwork.auth.models import (
    LoginRequest,
    MeResponse,
    UserCreateRequest,
    UserListResponse,
    UsernamePath,
    UserResponse,
    UserUpdateRequest,
)
from tickwork.auth.throttle import LoginThrottle
from tickwork.errors import TooManyAttempts, Unauthorized
from tickwork.schemas import ErrorResponse

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__, url_prefix=PREFIX)
THROTTLE = "tickwork.login_throttle"
WRONG_LOGIN = "wrong username or password"


@SPEC.route(
    bp,
    "/auth/login",
    "POST",
    summary="Log in: sets the session cookie and returns the CSRF token",
    body=LoginRequest,
    access="public",
    responses={200: MeResponse, 401: ErrorResponse, 429: ErrorResponse},
)
def login(body: LoginRequest) -> MeResponse:
    rt = runtime()
    throttle: LoginThrottle = current_app.extensions[THROTTLE]
    address = request.remote_addr or "unknown"
    if wait := throttle.wait_time(body.username, address):
        log.warning("login as %r from %s refused: too many failures", body.username, address)
        raise TooManyAttempts(wait)
    user = users.authenticate(rt.store, body.username, body.password)
    if user is None:
        throttle.failed(body.username, address)
        record("auth.login_failed", "user", body.username, address=address)
        raise Unauthorized(WRONG_LOGIN)
    throttle.succeeded(body.username, address)
    csrf = sessions.start(user)
    # Public operation, so nobody is the caller yet: the user who just logged in is the actor.
    audit.record(rt.store, user.username, "auth.login", "user", user.username, {"address": address})
    return MeResponse(username=user.username, role=user.role, csrf_token=csrf, auth_enabled=True)


@SPEC.route(
    bp,
    "/auth/logout",
    "POST",
    summary="Log out: ends the session",
    access="viewer",
    responses={204: None},
)
def logout() -> None:
    principal = guard.current()
    if principal is not None and principal.via == "session":
        record("auth.logout", "user", principal.name)
    sessions.end()


@SPEC.route(
    bp,
    "/auth/me",
    "GET",
    summary="Who is calling, with which role, and the CSRF token",
    responses={200: MeResponse},
)
def me() -> MeResponse:
    principal = guard.current()
    assert principal is not None  # the guard answered 401 otherwise
    return MeResponse(
        username=principal.name,
        role=principal.role,
        csrf_token=sessions.csrf_token() if principal.via == "session" else None,
        auth_enabled=principal.via != "open",
    )


@SPEC.route(
    bp, "/users", "GET", summary="All users", access="admin", responses={200: UserListResponse}
)
def list_users() -> UserListResponse:
    return UserListResponse(items=[_response(u) for u in users.all_users(runtime().store)])


@SPEC.route(
    bp,
    "/users",
    "POST",
    summary="Add a user",
    body=UserCreateRequest,
    responses={201: UserResponse, 409: ErrorResponse},
)
def create_user(body: UserCreateRequest) -> UserResponse:
    user = users.add(runtime().store, body.username, body.password, body.role)
    record("user.create", "user", user.username, role=user.role)
    return _response(user)


@SPEC.route(
    bp,
    "/users/<username>",
    "PUT",
    summary="Change a user's password or role",
    path=UsernamePath,
    body=UserUpdateRequest,
    responses={200: UserResponse, 404: ErrorResponse, 409: ErrorResponse},
)
def update_user(path: UsernamePath, body: UserUpdateRequest) -> UserResponse:
    user = users.change(runtime().store, path.username, body.password, body.role)
    principal = guard.current()
    own = principal is not None and (principal.via, principal.name) == ("session", user.username)
    if body.password is not None and own:
        sessions.renew_key(user)  # your own new password ends your other sessions, not this one
    fields = sorted(body.model_dump(exclude_none=True))
    detail = {"fields": fields, "role": user.role} if body.role else {"fields": fields}
    record("user.update", "user", user.username, **detail)
    return _response(user)


@SPEC.route(
    bp,
    "/users/<username>",
    "DELETE",
    summary="Remove a user",
    path=UsernamePath,
    responses={204: None, 404: ErrorResponse, 409: ErrorResponse},
)
def delete_user(path: UsernamePath) -> None:
    users.remove(runtime().store, path.username)
    record("user.delete", "user", path.username)


def _response(user: users.User) -> UserResponse:
    return UserResponse(username=user.username, role=user.role, created_at=user.created_at)
