"""Authentication and roles: the API token, users' sessions, CSRF, security headers, /users.

The API token is configured in this module unless a test says otherwise (`with_settings`).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.conftest import (
    API_TOKEN,
    PASSWORD,
    finished_run,
    logged_in,
    schedule_body,
)
from tickwork.api.context import SPEC
from tickwork.app import create_app
from tickwork.config import Settings, as_bool, load_settings
from tickwork.errors import ConfigError
from tickwork.runtime import Runtime

API = "/api/v1"
UNKNOWN_SCHEDULE = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    return replace(settings, **({"api_token": API_TOKEN} | getattr(request, "param", {})))


def with_settings(**overrides: Any) -> pytest.MarkDecorator:
    ids = ["-".join(f"{k}={v}" for k, v in overrides.items())]
    return pytest.mark.parametrize("settings", [overrides], indirect=True, ids=ids)


def bearer(runtime: Runtime, token: str = API_TOKEN) -> FlaskClient:
    client = create_app(runtime).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def create_schedule(client: FlaskClient, **overrides: Any) -> dict[str, Any]:
    response = client.post(f"{API}/schedules", json=schedule_body(**overrides))
    assert response.status_code == 201, response.get_json()
    return dict(response.get_json())


# -- the role matrix ---------------------------------------------------------------------------

# Written out by hand, not read from the code: this is the promise the code must keep.
NEEDS = {
    ("GET", "/schedules"): "viewer",
    ("POST", "/schedules"): "admin",
    ("GET", "/schedules/status"): "viewer",
    ("GET", "/schedules/export"): "viewer",
    ("POST", "/schedules/import"): "admin",
    # The lowest role any action needs; each action then needs its own (tests/api/test_bulk.py).
    ("POST", "/schedules/bulk"): "operator",
    ("GET", "/schedules/<schedule_id>"): "viewer",
    ("PUT", "/schedules/<schedule_id>"): "admin",
    ("PATCH", "/schedules/<schedule_id>"): "admin",
    ("DELETE", "/schedules/<schedule_id>"): "admin",
    ("POST", "/schedules/<schedule_id>/clone"): "admin",
    ("POST", "/schedules/<schedule_id>/toggle"): "operator",
    ("POST", "/schedules/<schedule_id>/run"): "operator",
    ("GET", "/schedules/<schedule_id>/runs"): "viewer",
    ("GET", "/schedules/<schedule_id>/stats"): "viewer",
    ("GET", "/stats"): "viewer",
    ("GET", "/reports"): "viewer",
    ("GET", "/runs"): "viewer",
    ("GET", "/queue"): "viewer",
    ("GET", "/runs/<int:run_id>"): "viewer",
    ("GET", "/runs/<int:run_id>/log"): "viewer",
    ("GET", "/runs/<int:run_id>/log/download"): "viewer",
    ("GET", "/runs/<int:run_id>/resources"): "viewer",
    ("POST", "/runs/<int:run_id>/cancel"): "operator",
    ("GET", "/workflows"): "viewer",
    ("GET", "/templates"): "viewer",
    ("GET", "/cron/preview"): "viewer",
    ("GET", "/health"): "viewer",  # the detail; probes without credentials ask /readyz
    ("POST", "/scheduler/pause"): "operator",
    ("POST", "/scheduler/resume"): "operator",
    ("GET", "/events"): "viewer",
    ("POST", "/auth/login"): "public",
    ("GET", "/auth/me"): "viewer",
    ("GET", "/backups"): "admin",
    ("POST", "/backups/restore"): "admin",
    ("GET", "/users"): "admin",
    ("POST", "/users"): "admin",
    ("PUT", "/users/<username>"): "admin",
    ("DELETE", "/users/<username>"): "admin",
    ("GET", "/audit"): "viewer",
    ("GET", "/notifications/channels"): "admin",
    ("POST", "/notifications/channels"): "admin",
    ("PUT", "/notifications/channels/<channel_id>"): "admin",
    ("DELETE", "/notifications/channels/<channel_id>"): "admin",
    ("POST", "/notifications/channels/<channel_id>/test"): "admin",
    ("GET", "/notifications/outbox"): "admin",
    ("POST", "/auth/logout"): "viewer",  # last: it ends the persona's session
}
RANK = {"viewer": 1, "operator": 2, "admin": 3}
PERSONA_ROLES = {
    "outsider": None,
    "wrong_token": None,
    "viewer": "viewer",
    "operator": "operator",
    "admin": "admin",
    "api_token": "admin",
}


def test_the_matrix_names_every_route() -> None:
    declared = {(op.method.upper(), op.rule) for op in SPEC.operations}
    assert declared == set(NEEDS), "add the new route to NEEDS with the role it must need"


def call(client: FlaskClient, method: str, rule: str) -> int:
    url = API + (
        rule.replace("<schedule_id>", UNKNOWN_SCHEDULE)
        .replace("<int:run_id>", "999999")
        .replace("<username>", "nobody")
        .replace("<channel_id>", UNKNOWN_SCHEDULE)
    )
    body = {} if method in ("POST", "PUT", "PATCH") else None
    response = client.open(url, method=method, json=body, buffered=False)
    status = response.status_code
    response.close()  # /events would stream for ever
    return status


def expected(persona: str, needs: str, status: int) -> bool:
    role = PERSONA_ROLES[persona]
    if needs == "public":
        return status not in (401, 403)
    if role is None:
        return status == 401
    if RANK[role] >= RANK[needs]:
        return status not in (401, 403)
    return status == 403


@pytest.mark.parametrize("persona", list(PERSONA_ROLES))
def test_every_route_answers_each_persona_by_its_role(
    persona: str, runtime: Runtime, accounts: dict[str, str]
) -> None:
    client = {
        "outsider": lambda: create_app(runtime).test_client(),
        "wrong_token": lambda: bearer(runtime, "not-the-token"),
        "viewer": lambda: logged_in(runtime, "vera"),
        "operator": lambda: logged_in(runtime, "oscar"),
        "admin": lambda: logged_in(runtime, "ada"),
        "api_token": lambda: bearer(runtime),
    }[persona]()
    answers = {route: call(client, *route) for route in NEEDS}
    wrong = {
        f"{m} {r} (needs {NEEDS[(m, r)]})": status
        for (m, r), status in answers.items()
        if not expected(persona, NEEDS[(m, r)], status)
    }
    assert not wrong, f"{persona}: {wrong}"


def test_the_roles_do_what_they_promise(
    admin: FlaskClient, operator: FlaskClient, viewer: FlaskClient
) -> None:
    schedule = create_schedule(admin, workflow_type="job", parameters={"sleep": 30})
    sid = schedule["id"]
    assert viewer.get(f"{API}/schedules/{sid}").status_code == 200
    assert viewer.post(f"{API}/schedules/{sid}/run").status_code == 403
    assert (
        operator.post(f"{API}/schedules/{sid}/toggle", json={"enabled": False}).status_code == 200
    )
    run = operator.post(f"{API}/schedules/{sid}/run")
    assert run.status_code == 202
    assert operator.post(f"{API}/runs/{run.get_json()['id']}/cancel").status_code in (202, 409)
    assert operator.put(f"{API}/schedules/{sid}", json={"name": "x"}).status_code == 403
    assert operator.delete(f"{API}/schedules/{sid}").status_code == 403
    assert operator.post(f"{API}/scheduler/pause").get_json()["paused"] is True
    assert operator.post(f"{API}/scheduler/resume").get_json()["paused"] is False
    assert admin.put(f"{API}/schedules/{sid}", json={"name": "x"}).status_code == 200
    assert admin.delete(f"{API}/schedules/{sid}").status_code == 204


def test_answers_name_the_problem(outsider: FlaskClient, viewer: FlaskClient) -> None:
    denied = outsider.get(f"{API}/schedules")
    assert denied.status_code == 401
    assert denied.get_json()["error"] == "unauthorized" and denied.get_json()["message"]
    forbidden = viewer.post(f"{API}/schedules", json=schedule_body())
    assert forbidden.status_code == 403
    assert forbidden.get_json() == {
        "error": "forbidden",
        "message": "the viewer role may not do this; it needs admin",
    }


def test_a_refused_request_is_refused_before_its_body_is_read(outsider: FlaskClient) -> None:
    response = outsider.post(f"{API}/schedules", data="not json", content_type="text/plain")
    assert response.status_code == 401


# -- the probes outside the API: open to everyone, saying one word ----------------------------

PROBES = ("/healthz", "/readyz")


@pytest.mark.parametrize("persona", ["outsider", "wrong_token", "viewer", "api_token"])
def test_the_probes_answer_everyone_with_auth_on(
    persona: str, runtime: Runtime, accounts: dict[str, str]
) -> None:
    client = {
        "outsider": lambda: create_app(runtime).test_client(),
        "wrong_token": lambda: bearer(runtime, "not-the-token"),
        "viewer": lambda: logged_in(runtime, "vera"),
        "api_token": lambda: bearer(runtime),
    }[persona]()
    for path in PROBES:
        response = client.get(path)
        assert (response.status_code, response.get_json()) == (200, {"status": "ok"}), path
        assert response.headers["Cache-Control"] == "no-store"
        for name, value in SECURITY_HEADERS.items():
            assert response.headers.get(name) == value, (path, name)


@with_settings(api_token=None)
def test_the_probes_answer_in_open_mode_and_name_nothing(runtime: Runtime) -> None:
    client = create_app(runtime).test_client()
    for path in PROBES:
        response = client.get(path)
        assert response.status_code == 200
        assert response.get_data(as_text=True).strip() == '{"status":"ok"}'
        assert client.post(path).status_code == 405
    # Not part of the API: the document does not list them.
    paths = client.get(f"{API}/openapi.json").get_json()["paths"]
    assert not [p for p in paths if p.endswith(PROBES)]


def test_readyz_is_503_while_the_scheduler_it_hosts_is_not_running(runtime: Runtime) -> None:
    client = create_app(runtime).test_client()
    assert client.get("/readyz").status_code == 200
    runtime.engine.shutdown()
    response = client.get("/readyz")
    assert (response.status_code, response.get_json()) == (503, {"status": "unavailable"})
    assert client.get("/healthz").status_code == 200


# -- the API token -----------------------------------------------------------------------------


def test_the_token_alone_switches_authentication_on(runtime: Runtime) -> None:
    anonymous = create_app(runtime).test_client()
    assert anonymous.get(f"{API}/schedules").status_code == 401
    assert anonymous.get(f"{API}/auth/me").status_code == 401
    client = bearer(runtime)
    assert client.get(f"{API}/schedules").status_code == 200
    assert client.get(f"{API}/auth/me").get_json() == {
        "username": "api-token",
        "role": "admin",
        "csrf_token": None,
        "auth_enabled": True,
    }
    # No CSRF header needed: a page elsewhere cannot make a browser send this header.
    assert client.post(f"{API}/schedules", json=schedule_body()).status_code == 201


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {API_TOKEN}x",
        f"Bearer {API_TOKEN[:-1]}",
        "Bearer ",
        f"Basic {API_TOKEN}",
        "Bearer ü",
    ],
)
def test_a_wrong_token_is_refused(runtime: Runtime, header: str) -> None:
    client = create_app(runtime).test_client()
    response = client.get(f"{API}/schedules", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_the_scheme_name_is_not_case_sensitive(runtime: Runtime) -> None:
    client = create_app(runtime).test_client()
    response = client.get(f"{API}/schedules", headers={"Authorization": f"bearer {API_TOKEN}"})
    assert response.status_code == 200


# -- open mode ---------------------------------------------------------------------------------


@with_settings(api_token=None)
def test_without_token_or_users_everyone_is_an_anonymous_admin(client: FlaskClient) -> None:
    assert client.get(f"{API}/auth/me").get_json() == {
        "username": "anonymous",
        "role": "admin",
        "csrf_token": None,
        "auth_enabled": False,
    }
    assert client.post(f"{API}/schedules", json=schedule_body()).status_code == 201
    # The first user, made through the page, switches authentication on at once.
    first = {"username": "root", "password": PASSWORD, "role": "admin"}
    assert client.post(f"{API}/users", json=first).status_code == 201
    assert client.get(f"{API}/schedules").status_code == 401
    assert client.get(f"{API}/auth/me").status_code == 401


@with_settings(api_token=None)
def test_in_open_mode_nobody_can_log_in(client: FlaskClient) -> None:
    response = client.post(f"{API}/auth/login", json={"username": "x", "password": "whatever1"})
    assert response.status_code == 401


# -- login, logout, me -------------------------------------------------------------------------


def login(client: FlaskClient, username: str, password: str) -> TestResponse:
    return client.post(f"{API}/auth/login", json={"username": username, "password": password})


def test_login_answers_who_and_sets_a_safe_cookie(runtime: Runtime, accounts: Any) -> None:
    client = create_app(runtime).test_client()
    response = login(client, "oscar", PASSWORD)
    assert response.status_code == 200
    body = response.get_json()
    assert body["username"] == "oscar" and body["role"] == "operator"
    assert body["auth_enabled"] is True and len(body["csrf_token"]) >= 32
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("tickwork_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie
    me = client.get(f"{API}/auth/me").get_json()
    assert me == {**body}


@with_settings(cookie_secure=True)
def test_the_cookie_can_be_https_only(runtime: Runtime, accounts: Any) -> None:
    response = login(create_app(runtime).test_client(), "oscar", PASSWORD)
    assert "; Secure" in response.headers["Set-Cookie"]


def test_cookie_secure_is_read_from_text() -> None:
    assert load_settings(environ={"TICKWORK_COOKIE_SECURE": "true"}).cookie_secure
    assert as_bool(
        "cookie_secure", load_settings(environ={"TICKWORK_COOKIE_SECURE": "1"}).cookie_secure
    )
    assert not as_bool("cookie_secure", "false") and not as_bool("cookie_secure", False)
    with pytest.raises(ConfigError):
        as_bool("cookie_secure", "maybe")


def test_wrong_password_and_unknown_user_are_answered_alike(
    runtime: Runtime, accounts: Any
) -> None:
    client = create_app(runtime).test_client()
    wrong = login(client, "oscar", "wrong password")
    unknown = login(client, "nobody-here", "wrong password")
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.get_json()
        == unknown.get_json()
        == {
            "error": "unauthorized",
            "message": "wrong username or password",
        }
    )
    assert "Set-Cookie" not in wrong.headers
    assert client.get(f"{API}/auth/me").status_code == 401


def test_repeated_failures_make_the_next_attempt_wait(runtime: Runtime, accounts: Any) -> None:
    client = create_app(runtime).test_client()
    for _ in range(5):
        assert login(client, "oscar", "wrong password").status_code == 401
    locked = login(client, "oscar", PASSWORD)  # even the right password must wait now
    assert locked.status_code == 429
    assert locked.get_json()["error"] == "too_many_requests"
    assert int(locked.headers["Retry-After"]) >= 1
    # Only that name from that address waits: a colleague is not locked out.
    assert login(client, "vera", PASSWORD).status_code == 200


def test_logout_ends_the_session(operator: FlaskClient) -> None:
    assert operator.get(f"{API}/auth/me").status_code == 200
    response = operator.post(f"{API}/auth/logout")
    assert response.status_code == 204
    assert "tickwork_session=;" in response.headers["Set-Cookie"]
    assert operator.get(f"{API}/auth/me").status_code == 401
    assert operator.get(f"{API}/schedules").status_code == 401


def test_a_copied_cookie_lives_until_the_password_changes(runtime: Runtime, accounts: Any) -> None:
    client = logged_in(runtime, "oscar")
    cookie = client.get_cookie("tickwork_session")
    assert cookie is not None
    client.post(f"{API}/auth/logout")
    thief = create_app(runtime).test_client()
    thief.set_cookie("tickwork_session", cookie.value)
    # Flask's cookie holds the session itself: an old value stays valid until it expires,
    # unless the password changes. This documents that limit rather than hiding it.
    assert thief.get(f"{API}/auth/me").status_code == 200
    admin = logged_in(runtime, "ada")
    admin.put(f"{API}/users/oscar", json={"password": "a brand new password"})
    assert thief.get(f"{API}/auth/me").status_code == 401


def test_a_forged_cookie_is_nobody(runtime: Runtime, accounts: Any) -> None:
    client = create_app(runtime).test_client()
    client.set_cookie("tickwork_session", "eyJ1c2VyIjoiYWRhIn0.Zm9yZ2Vk.c2lnbmF0dXJl")
    assert client.get(f"{API}/auth/me").status_code == 401


def test_the_session_follows_the_users_table(
    runtime: Runtime, admin: FlaskClient, operator: FlaskClient
) -> None:
    assert operator.post(f"{API}/scheduler/pause").status_code == 200
    assert admin.put(f"{API}/users/oscar", json={"role": "viewer"}).status_code == 200
    assert operator.post(f"{API}/scheduler/resume").status_code == 403  # demoted at once
    assert operator.get(f"{API}/auth/me").get_json()["role"] == "viewer"
    assert admin.delete(f"{API}/users/oscar").status_code == 204
    assert operator.get(f"{API}/schedules").status_code == 401  # removed: logged out


def test_a_new_password_ends_the_other_sessions_but_not_ones_own(
    runtime: Runtime, admin: FlaskClient
) -> None:
    other_tab = logged_in(runtime, "ada")
    response = admin.put(f"{API}/users/ada", json={"password": "another long password"})
    assert response.status_code == 200
    assert admin.get(f"{API}/auth/me").status_code == 200
    assert other_tab.get(f"{API}/auth/me").status_code == 401
    assert login(create_app(runtime).test_client(), "ada", PASSWORD).status_code == 401
    assert (
        login(create_app(runtime).test_client(), "ada", "another long password").status_code == 200
    )


# -- CSRF --------------------------------------------------------------------------------------


def test_writes_with_the_session_cookie_need_the_csrf_header(
    runtime: Runtime, accounts: Any
) -> None:
    client = logged_in(runtime, "ada")
    token = client.environ_base.pop("HTTP_X_CSRF_TOKEN")
    missing = client.post(f"{API}/schedules", json=schedule_body())
    assert missing.status_code == 403
    assert missing.get_json()["error"] == "forbidden"
    assert "X-CSRF-Token" in missing.get_json()["message"]
    wrong = client.post(
        f"{API}/schedules", json=schedule_body(), headers={"X-CSRF-Token": token[:-2] + "xx"}
    )
    assert wrong.status_code == 403
    assert client.get(f"{API}/schedules").get_json()["total"] == 0  # nothing was created
    right = client.post(f"{API}/schedules", json=schedule_body(), headers={"X-CSRF-Token": token})
    assert right.status_code == 201
    sid = right.get_json()["id"]
    assert client.delete(f"{API}/schedules/{sid}").status_code == 403
    assert (
        client.delete(f"{API}/schedules/{sid}", headers={"X-CSRF-Token": token}).status_code == 204
    )
    assert client.get(f"{API}/schedules").status_code == 200  # reading needs none


def test_a_token_from_another_session_does_not_do(runtime: Runtime, accounts: Any) -> None:
    mine, theirs = logged_in(runtime, "ada"), logged_in(runtime, "ada")
    mine.environ_base["HTTP_X_CSRF_TOKEN"] = theirs.environ_base["HTTP_X_CSRF_TOKEN"]
    assert mine.post(f"{API}/scheduler/pause").status_code == 403


def test_cross_site_writes_are_refused_whatever_the_credentials(runtime: Runtime) -> None:
    client = bearer(runtime)
    cross = client.post(f"{API}/scheduler/pause", headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    same = client.post(f"{API}/scheduler/pause", headers={"Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 200
    read = client.get(f"{API}/schedules", headers={"Sec-Fetch-Site": "cross-site"})
    assert read.status_code == 200


# -- headers -----------------------------------------------------------------------------------

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; object-src 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/schedules/some-page",
        f"{API}/docs",
        f"{API}/docs/static/tickwork-init.js",
        f"{API}/openapi.json",
        f"{API}/schedules",
        f"{API}/auth/me",
        f"{API}/no-such-thing",
    ],
)
def test_every_response_carries_the_security_headers(runtime: Runtime, path: str) -> None:
    for client in (create_app(runtime).test_client(), bearer(runtime)):
        with client.get(path) as response:
            for name, value in SECURITY_HEADERS.items():
                assert response.headers.get(name) == value, (path, name, response.status_code)


def test_api_answers_are_not_cached(runtime: Runtime) -> None:
    assert bearer(runtime).get(f"{API}/auth/me").headers["Cache-Control"] == "no-store"


def test_the_docs_page_runs_no_inline_script(runtime: Runtime) -> None:
    client = create_app(runtime).test_client()
    page = client.get(f"{API}/docs").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    init = client.get(f"{API}/docs/static/tickwork-init.js")
    assert init.status_code == 200 and init.mimetype == "text/javascript"
    assert "SwaggerUIBundle" in init.get_data(as_text=True)
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        with client.get(f"{API}/docs/static/{asset}") as response:
            assert response.status_code == 200, asset


# -- the OpenAPI document ----------------------------------------------------------------------


def test_the_document_describes_the_security(runtime: Runtime) -> None:
    doc = create_app(runtime).test_client().get(f"{API}/openapi.json").get_json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["cookieAuth"]["in"] == "cookie"
    assert schemes["cookieAuth"]["name"] == "tickwork_session"
    assert doc["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            where = f"{method.upper()} {path}"
            if path.endswith("/auth/login"):
                assert op["security"] == [], where
                assert set(op["responses"]) >= {"200", "401", "403", "422", "429"}
                continue
            assert "security" not in op, where
            for code in ("401", "403"):
                schema = op["responses"][code]["content"]["application/json"]["schema"]
                assert schema == error_ref, where


# -- users -------------------------------------------------------------------------------------


def test_admins_manage_users_and_no_hash_ever_leaves(runtime: Runtime, admin: FlaskClient) -> None:
    new = {"username": "nina", "password": "nina's long password", "role": "viewer"}
    created = admin.post(f"{API}/users", json=new)
    assert created.status_code == 201
    assert set(created.get_json()) == {"username", "role", "created_at"}
    assert created.get_json()["created_at"].endswith("Z")
    assert admin.post(f"{API}/users", json=new).status_code == 409
    listing = admin.get(f"{API}/users")
    assert [u["username"] for u in listing.get_json()["items"]] == [
        "ada",
        "nina",
        "oscar",
        "vera",
    ]
    changed = admin.put(f"{API}/users/nina", json={"role": "operator"})
    assert changed.get_json()["role"] == "operator"
    nina = logged_in(runtime, "nina", "nina's long password")
    assert nina.post(f"{API}/scheduler/pause").status_code == 200
    audit = admin.get(f"{API}/audit?page_size=200")
    for response in (created, listing, changed, audit):
        text = response.get_data(as_text=True)
        assert "scrypt" not in text and "password_hash" not in text
        assert "nina's long password" not in text
    assert admin.delete(f"{API}/users/nina").status_code == 204
    assert admin.delete(f"{API}/users/nina").status_code == 404
    assert admin.put(f"{API}/users/nina", json={"role": "admin"}).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "short", "password": "1234567", "role": "viewer"}, "password"),
        ({"username": "x", "password": "long enough", "role": "root"}, "role"),
        ({"username": "has space", "password": "long enough", "role": "viewer"}, "username"),
        ({"username": "", "password": "long enough", "role": "viewer"}, "username"),
        ({"username": "api-token", "password": "long enough", "role": "admin"}, "username"),
        ({"username": "x", "password": "long enough", "role": "viewer", "x": 1}, "x"),
    ],
)
def test_a_bad_user_is_refused_by_field(admin: FlaskClient, body: dict, field: str) -> None:
    response = admin.post(f"{API}/users", json=body)
    assert response.status_code == 422
    assert [e["field"] for e in response.get_json()["errors"]] == [field]


def test_the_last_admin_stays(admin: FlaskClient) -> None:
    assert admin.delete(f"{API}/users/ada").status_code == 409
    demote = admin.put(f"{API}/users/ada", json={"role": "operator"})
    assert demote.status_code == 409
    assert demote.get_json() == {
        "error": "conflict",
        "message": "cannot demote ada: it is the last admin",
    }
    second = {"username": "bea", "password": "bea's long password", "role": "admin"}
    assert admin.post(f"{API}/users", json=second).status_code == 201
    assert admin.put(f"{API}/users/bea", json={"role": "operator"}).status_code == 200
    assert admin.put(f"{API}/users/bea", json={"role": "admin"}).status_code == 200
    assert admin.delete(f"{API}/users/ada").status_code == 204  # bea is admin now
    assert admin.get(f"{API}/users").status_code == 401  # ada's session ended with ada


# -- secrets -----------------------------------------------------------------------------------

SECRET = "s3cret"


def test_workflow_secrets_never_leave_the_server(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    assert runtime.registry.get("main").env["SECRET_TOKEN"] == SECRET  # the fixture has one
    caplog.set_level(logging.DEBUG)
    client = bearer(runtime)
    events = client.get(f"{API}/events", buffered=False)
    schedule = create_schedule(client)
    run = client.post(f"{API}/schedules/{schedule['id']}/run").get_json()
    done = finished_run(client, run["id"])
    assert done["status"] == "success", done
    answers = {
        "create": json.dumps(schedule),
        "run": json.dumps(run),
        "finished": json.dumps(done),
        "/events": _stream_until_finished(events, run["id"]),
    }
    for path in (
        f"/schedules/{schedule['id']}",
        f"/schedules/{schedule['id']}/runs",
        f"/runs/{run['id']}",
        f"/runs/{run['id']}/log",
        f"/runs/{run['id']}/log/download",
        "/schedules",
        "/schedules/status",
        "/schedules/export",
        "/workflows",
        "/templates",
        "/audit",
        "/auth/me",
        "/openapi.json",
    ):
        response = client.get(API + path)
        assert response.status_code == 200, path
        answers[path] = response.get_data(as_text=True)
    assert "workflow complete" in answers[f"/runs/{run['id']}/log"]  # the log really was read
    for path, answer in answers.items():
        assert SECRET not in answer and API_TOKEN not in answer, path
    assert caplog.records and SECRET not in caplog.text and API_TOKEN not in caplog.text


def _stream_until_finished(response: TestResponse, run_id: int) -> str:
    seen = ""
    for chunk in response.response:
        seen += chunk.decode() if isinstance(chunk, bytes) else chunk
        if f'"run_id": {run_id}' in seen and '"action": "finished"' in seen:
            break
    response.close()
    return seen


# -- requests no route takes: answered the same to everybody, and as the document says ------------


def test_paths_and_methods_no_route_takes(runtime: Runtime, accounts: Any) -> None:
    client = create_app(runtime).test_client()  # no credentials: routing answers first
    unknown = client.post(f"{API}/runs/abc/cancel")
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "not_found"
    assert client.get(f"{API}/nothing-here").status_code == 404
    wrong = client.open(f"{API}/auth/login", method="TRACE")
    assert wrong.status_code == 405
    assert set(wrong.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    options = client.options(f"{API}/schedules/export")
    assert set(options.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    options = client.options(f"{API}/schedules/{UNKNOWN_SCHEDULE}")
    assert set(options.headers["Allow"].split(", ")) == {
        "GET",
        "HEAD",
        "OPTIONS",
        "PUT",
        "PATCH",
        "DELETE",
    }
    with client.get("/schedules/some-page") as page:  # the page's own routes
        assert page.status_code == 200


def test_the_throttle_doubles_the_wait_up_to_a_cap() -> None:
    from tickwork.auth.throttle import LoginThrottle

    now = [1000.0]
    throttle = LoginThrottle(free=2, first_wait=1.0, max_wait=8.0, max_keys=3, clock=lambda: now[0])
    waits = []
    for _ in range(7):
        throttle.failed("ada", "10.0.0.1")
        waits.append(throttle.wait_time("ada", "10.0.0.1"))
    assert waits == [0.0, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    now[0] += 8.0
    assert throttle.wait_time("ada", "10.0.0.1") == 0.0  # waited long enough: may try again
    assert throttle.wait_time("ada", "10.0.0.2") == 0.0  # another address was never slowed
    throttle.succeeded("ada", "10.0.0.1")
    throttle.failed("ada", "10.0.0.1")
    assert throttle.wait_time("ada", "10.0.0.1") == 0.0  # a success starts the count again
    throttle.failed("ada", "10.0.0.1")
    assert throttle.wait_time("ada", "10.0.0.1") == 1.0
    for name in ("b", "c", "d"):
        throttle.failed(name, "10.0.0.1")
        throttle.failed(name, "10.0.0.1")
    assert throttle.wait_time("ada", "10.0.0.1") == 0.0  # the oldest key made room
    assert throttle.wait_time("d", "10.0.0.1") == 1.0
