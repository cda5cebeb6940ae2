"""Per request: who is calling, whether their role allows the operation, and the CSRF check.

Callers are, in this order: the API token (`Authorization: Bearer ...`, acts as admin), a
user's session cookie, or, while authentication is off, `anonymous` with the admin role.
Requests that change something and ride on the session cookie must repeat the session's CSRF
token in the `X-CSRF-Token` header; a cross-site page cannot read it, so it cannot forge one.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from flask import g, request

from tickwork.auth import sessions, users
from tickwork.auth.roles import Access, Role, allows
from tickwork.config import Settings
from tickwork.errors import Forbidden, Unauthorized
from tickwork.store.db import Store

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_ACTOR = "api-token"


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    via: Literal["token", "session", "open"]


ANONYMOUS = Principal("anonymous", "admin", "open")


def auth_enabled(settings: Settings, store: Store) -> bool:
    return bool(settings.api_token) or users.exist(store)


def authorize(access: Access, settings: Settings, store: Store) -> None:
    """Let the request through, or raise Unauthorized (401) or Forbidden (403)."""
    unsafe = request.method in UNSAFE_METHODS
    # Browsers mark requests that a foreign page makes (a form posted to us, say); none of
    # ours changes anything on such a request, whatever cookies it carries.
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if unsafe and fetch_site == "cross-site":
        raise Forbidden("cross-site requests may not change anything")
    # Browsers that send no Sec-Fetch-Site (older ones, some embedded views) still name the
    # page's origin on a cross-origin write; a client that is not a browser names none. When
    # the browser itself vouches for the origin, a proxy that rewrote Host does not matter.
    origin = request.headers.get("Origin")
    vouched = fetch_site in ("same-origin", "none")
    if unsafe and origin is not None and not vouched and not _same_origin(origin, request.host):
        raise Forbidden(f"requests from {origin[:100]!r} may not change anything here")
    if access == "public":
        return
    principal = identify(settings, store)
    if principal is ANONYMOUS and not _loopback_host(request.host):
        # Open mode trusts whoever reaches 127.0.0.1. A web page that rebinds its own DNS
        # name to 127.0.0.1 reaches it too, but its requests still name that page's host.
        raise Forbidden(
            "without authentication tickwork answers only requests addressed to localhost"
        )
    if principal is None:
        raise Unauthorized("log in, or send the API token as 'Authorization: Bearer <token>'")
    if unsafe and principal.via == "session":
        _check_csrf()
    _check_role(principal, access)
    g.tickwork_principal = principal


def require(access: Access) -> None:
    """A second check, inside an operation whose need depends on what it is asked to do (a
    bulk action needs what the action needs alone); the first let the caller in already."""
    principal = current()
    if principal is not None:
        _check_role(principal, access)


def _check_role(principal: Principal, access: Access) -> None:
    if not allows(principal.role, access):
        raise Forbidden(f"the {principal.role} role may not do this; it needs {access}")


def identify(settings: Settings, store: Store) -> Principal | None:
    """The caller, or None when authentication is on and nobody has shown credentials."""
    header = request.headers.get("Authorization")
    if header is not None:
        if token_matches(header, settings.api_token):
            return Principal(TOKEN_ACTOR, "admin", "token")
        if auth_enabled(settings, store):
            raise Unauthorized("wrong API token")
        return ANONYMOUS
    username = sessions.current_username()
    if username is not None:
        user = users.get(store, username)
        if user is not None and sessions.matches(user):
            # The role comes from the table, not the cookie: a demotion takes effect at once.
            return Principal(user.username, user.role, "session")
        sessions.end()  # removed, or the password changed since this session began
    return None if auth_enabled(settings, store) else ANONYMOUS


def _same_origin(origin: str, host: str) -> bool:
    """Whether `origin` (scheme://host[:port], or "null" from a sandboxed or file page) is the
    server as the request addressed it. Behind a proxy, the proxy must pass the Host on. The
    scheme is not compared: behind a TLS proxy the page is https while we are addressed http."""
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    default = 443 if parts.scheme == "https" else 80
    netloc = parts.hostname if port in (None, default) else f"{parts.hostname}:{port}"
    if ":" in parts.hostname:  # an IPv6 literal keeps its brackets in Host
        netloc = f"[{parts.hostname}]" + ("" if port in (None, default) else f":{port}")
    addressed = host.lower().removesuffix(f":{default}")
    return netloc.lower() == addressed


def _loopback_host(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def current() -> Principal | None:
    """Whoever `authorize` let through on this request (None on public operations)."""
    principal: Principal | None = g.get("tickwork_principal")
    return principal


def actor() -> str:
    principal = current()
    return principal.name if principal is not None else ANONYMOUS.name


def token_matches(header: str, token: str | None) -> bool:
    """Whether an Authorization header is `Bearer <token>`; never for an unset token. Compared
    in constant time, so the answer's timing does not spell the token out."""
    scheme, _, sent = header.partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(sent.strip().encode(), token.encode())


def _check_csrf() -> None:
    expected = sessions.csrf_token()
    sent = request.headers.get(sessions.CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            f"missing or wrong {sessions.CSRF_HEADER} header: send the csrf_token "
            "that login and /auth/me return"
        )
