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
