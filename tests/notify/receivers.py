"""Real receivers on loopback for the notification tests: an SMTP server (aiosmtpd) that
takes mail with a login, and an HTTP server that takes apprise's json:// webhooks and can be
taken down and brought back on the same port."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

SMTP_USER = "tick"
SMTP_PASSWORD = "smtp-pa55-9f2c"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """What the SMTP server received."""

    messages: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 OK"

    def texts(self) -> list[str]:
        return [
            m.content.decode("utf-8", "replace") if isinstance(m.content, bytes) else str(m.content)
            for m in self.messages
        ]


def _login(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == SMTP_USER.encode()
        and data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok)


class SmtpReceiver:
    """aiosmtpd on 127.0.0.1 without TLS, requiring SMTP_USER's login."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self._controller = Controller(
            self.mailbox,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=_login,
            auth_require_tls=False,
        )

    def url(self, to: str = "ops@example.org") -> str:
        return (
            f"mailto://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{self.port}"
            f"?to={to}&from=tickwork@example.org"
        )

    def __enter__(self) -> SmtpReceiver:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


class WebhookReceiver:
    """An HTTP server for json:// channels: each POST's path, headers and JSON body. Made
    down (its port reserved but closed) until `up()`; `down()` closes it again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._got = threading.Condition()

    def url(self, path: str = "hook/s3cret-path-token") -> str:
        return f"json://hookuser:hook-pa55-1d7e@127.0.0.1:{self.port}/{path}"

    def up(self) -> WebhookReceiver:
        received, got = self.received, self._got

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with got:
                    received.append({"path": self.path, "headers": dict(self.headers), **body})
                    got.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait(self, count: int, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The messages once at least `count` arrived; fails after `timeout`."""
        with self._got:
            if not self._got.wait_for(lambda: len(self.received) >= count, timeout):
                raise AssertionError(f"{len(self.received)} of {count} message(s) arrived")
            return list(self.received)

    def titles(self) -> list[str]:
        return [str(m.get("title")) for m in self.received]
