"""The shapes of /auth, /users and /audit. Password hashes have no field here: none can leak."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from tickwork.auth import passwords
from tickwork.auth.roles import Role
from tickwork.auth.users import USERNAME_MAX, USERNAME_PATTERN
from tickwork.schemas import Page, PageQuery, Strict, UtcTime

NewUsername = Annotated[str, Field(min_length=1, max_length=USERNAME_MAX, pattern=USERNAME_PATTERN)]
Password = Annotated[str, Field(min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH)]


class LoginRequest(Strict):
    # Bounded, but not by the rules for new users: an old name must still be able to log in.
    username: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=passwords.MAX_LENGTH)]


class MeResponse(BaseModel):
    username: str
    role: Role
    # Send it back as the X-CSRF-Token header with every POST, PUT, PATCH and DELETE.
    # Null when the caller does not use the session cookie (API token, or open mode).
    csrf_token: str | None
    auth_enabled: bool


class UserResponse(BaseModel):
    username: str
    role: Role
    created_at: UtcTime


class UserListResponse(BaseModel):
    items: list[UserResponse]


class UserCreateRequest(Strict):
    username: NewUsername
    password: Password
    role: Role


class UserUpdateRequest(Strict):
    """Either or both; a new password ends the user's other sessions."""

    password: Password | None = None
    role: Role | None = None


class UsernamePath(BaseModel):
    username: Annotated[str, Field(max_length=200)]


class AuditQuery(PageQuery):
    actor: Annotated[str, Field(max_length=100)] | None = None
    action: Annotated[str, Field(max_length=32)] | None = None
    target_id: Annotated[str, Field(max_length=64)] | None = None


class AuditEntry(BaseModel):
    id: int
    at: UtcTime
    actor: str
    action: str
    target_type: str
    target_id: str | None
    detail: dict[str, Any]


class AuditListResponse(Page):
    items: list[AuditEntry]
