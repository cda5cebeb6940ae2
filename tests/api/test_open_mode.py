"""Open mode (no token, no users): the API trusts only requests addressed to localhost."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_open_mode_answers_only_requests_addressed_to_localhost(client: FlaskClient) -> None:
    # A page that rebinds its DNS name to 127.0.0.1 reaches the server with its own Host.
    rebound = client.get("/api/v1/schedules", headers={"Host": "attacker.example"})
    assert rebound.status_code == 403
    assert "localhost" in rebound.get_json()["message"]
    for host in ("localhost", "127.0.0.1:8000", "[::1]:8000"):
        assert client.get("/api/v1/schedules", headers={"Host": host}).status_code == 200, host


def test_the_api_document_stays_public_from_any_host(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json", headers={"Host": "tickwork.example"})
    assert response.status_code == 200


def test_a_write_from_another_origin_is_refused_without_sec_fetch_site(
    client: FlaskClient,
) -> None:
    for origin in ("http://evil.com", "null", "http://127.0.0.1:9999", "http://localhost.evil"):
        response = client.post("/api/v1/scheduler/pause", headers={"Origin": origin})
        assert response.status_code == 403, origin
        assert "may not change anything" in response.get_json()["message"]
    assert client.get("/api/v1/schedules/status").get_json()["paused"] is False


def test_a_write_from_the_page_itself_is_let_through(client: FlaskClient) -> None:
    for host, origin in (
        ("localhost", "http://localhost"),
        ("127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("[::1]:8000", "http://[::1]:8000"),
    ):
        response = client.post("/api/v1/scheduler/pause", headers={"Host": host, "Origin": origin})
        assert response.status_code == 200, (host, response.get_json())
    # Reads are never refused by origin: a cross-origin page cannot read the answer anyway.
    assert client.get("/api/v1/schedules", headers={"Origin": "http://evil.com"}).status_code == 200


def test_a_page_write_through_a_proxy_that_rewrote_host_is_let_through(
    client: FlaskClient,
) -> None:
    # nginx without `proxy_set_header Host`: the page is https://tickwork.example, we are
    # addressed as 127.0.0.1:8080. The browser says the request is its own page's.
    headers = {"Host": "127.0.0.1:8080", "Origin": "https://tickwork.example"}
    refused = client.post("/api/v1/scheduler/pause", headers=headers)
    assert refused.status_code == 403  # without the browser's word, the origins differ
    headers["Sec-Fetch-Site"] = "same-origin"
    assert client.post("/api/v1/scheduler/pause", headers=headers).status_code == 200
    # A sibling site is another origin, whatever Sec-Fetch-Site calls it.
    sibling = {
        "Host": "127.0.0.1:8080",
        "Origin": "https://x.example",
        "Sec-Fetch-Site": "same-site",
    }
    assert client.post("/api/v1/scheduler/resume", headers=sibling).status_code == 403
