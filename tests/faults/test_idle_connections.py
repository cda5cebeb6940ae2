"""Idle and slow clients cannot starve the server: they hold sockets, never threads, and are
closed after the idle timeout. About 100 idle connections used to make the API unreachable
(waitress' default connection limit) for as long as they were held."""

from __future__ import annotations

import socket
import urllib.parse
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.conftest import TEST_REGISTRY, wait_for
from tests.integration.server import Server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path / "data", TEST_REGISTRY).start_with_env(
        {"TICKWORK_HTTP_IDLE_TIMEOUT_SECONDS": "2"}
    )
    yield server
    server.stop()


def address(server: Server) -> tuple[str, int]:
    url = urllib.parse.urlsplit(server.url)
    assert url.hostname is not None and url.port is not None
    return url.hostname, url.port


def test_the_api_answers_while_300_idle_connections_are_open(server: Server) -> None:
    with ExitStack() as stack:
        for _ in range(300):
            stack.enter_context(socket.create_connection(address(server), timeout=5))
        assert server.get("/api/v1/schedules/status")["running"] is True


def test_the_api_answers_while_slow_clients_send_half_a_request(server: Server) -> None:
    with ExitStack() as stack:
        for _ in range(150):
            slow = stack.enter_context(socket.create_connection(address(server), timeout=5))
            slow.sendall(b"GET /api/v1/schedules HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert server.get("/api/v1/schedules/status")["running"] is True


def test_an_idle_connection_is_closed_after_the_idle_timeout(server: Server) -> None:
    with socket.create_connection(address(server), timeout=1) as idle:

        def closed() -> bool:
            try:
                return idle.recv(1) == b""
            except TimeoutError:
                return False

        assert wait_for(closed, timeout=30)
