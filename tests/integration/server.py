"""A real `tickwork serve` process on a free port, and a tiny HTTP client for it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

TICKWORK = [sys.executable, "-m", "tickwork"]


class Server:
    def __init__(
        self,
        data_dir: Path,
        registry: Path,
        database_url: str | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.extra_args = extra_args
        self.env: dict[str, str] = {}
        self.data_dir = data_dir
        self.registry = registry
        self.database_url = database_url
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.output: list[str] = []
        self._drain: threading.Thread | None = None

    def start_with_env(self, env: dict[str, str]) -> Server:
        """Start, and keep `env` (TICKWORK_* settings) for every later restart too."""
        self.env = env
        return self.start()

    def start(self, timeout: float = 30.0) -> Server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TICKWORK_")}
        env.update(self.env)
        if self.database_url:
            env["TICKWORK_DATABASE_URL"] = self.database_url
        self.proc = subprocess.Popen(
            [
                *TICKWORK,
                "serve",
                "--port",
                "0",
                "--data-dir",
                str(self.data_dir),
                "--workflows",
                str(self.registry),
                *self.extra_args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line)
            if match := re.search(r"serving on (http://\S+?)/? ", line):
                self.url = match.group(1).rstrip("/")
                # Keep reading: a server whose log pipe fills up blocks on its next log line.
                self._drain = threading.Thread(target=self._read_rest, daemon=True)
                self._drain.start()
                return self
        self.stop()
        raise AssertionError("server did not start:\n" + "".join(self.output))

    def _read_rest(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._drain is not None:
            self._drain.join(timeout=10)
            self._drain = None
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return self.proc.returncode

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data else {},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            raw = err.read()
            err.close()
            return err.code, json.loads(raw) if raw else None

    def get(self, path: str) -> Any:
        status, body = self.request("GET", path)
        assert status == 200, (status, body)
        return body
