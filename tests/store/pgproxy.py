"""A TCP proxy in front of the real PostgreSQL that can break one COMMIT on purpose.

Armed, it cuts the connection that sends the next COMMIT after a statement containing the
marker (by default any INSERT: read-only transactions end in COMMIT too), either after
passing the COMMIT on (the server commits, the client never hears so: the ambiguous case)
or instead of passing it on (the server never commits). All else passes through untouched.
"""

from __future__ import annotations

import socket
import threading
from typing import Literal

Cut = Literal["after_commit", "before_commit"]


class CommitCutter:
    def __init__(self, upstream: tuple[str, int] = ("127.0.0.1", 5432)) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._armed: Cut | None = None
        self._marker = b"INSERT"
        self._then_close = False
        self._lock = threading.Lock()
        self.cuts = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, cut: Cut, marker: bytes = b"INSERT", then_close: bool = False) -> None:
        """Cut the next COMMIT after `marker`; `then_close`: and accept no connection since."""
        with self._lock:
            self._armed, self._marker, self._then_close = cut, marker, then_close

    def close(self) -> None:
        """Accept no more connections (the ones open stay open)."""
        self._closed = True
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _take(self, chunk: bytes, seen: bool) -> Cut | None:
        if not seen or b"COMMIT" not in chunk:
            return None
        with self._lock:
            cut, self._armed = self._armed, None
        return cut

    def _pipe(self, source: socket.socket, target: socket.socket, upward: bool) -> None:
        seen = False  # this connection sent the marker in its current transaction
        try:
            while chunk := source.recv(65536):
                seen = seen or (upward and self._armed is not None and self._marker in chunk)
                cut = self._take(chunk, seen) if upward else None
                if upward and b"COMMIT" in chunk:
                    seen = False
                if cut == "after_commit":
                    target.sendall(chunk)
                if cut is not None:
                    self.cuts += 1
                    if self._then_close:
                        self.close()
                    break
                target.sendall(chunk)
        except OSError:
            pass
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
