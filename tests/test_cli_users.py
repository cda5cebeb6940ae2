"""`tickwork user ...`, `serve` on a public address once authentication is configured, and the
`cli` actor of `tickwork import`."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_REGISTRY
from tickwork.auth import audit, users
from tickwork.store.db import Store

TICKWORK = [sys.executable, "-m", "tickwork"]


def tickwork(
    *args: str, data_dir: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TICKWORK, *args, "--data-dir", str(data_dir)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def open_store(data_dir: Path) -> Iterator[Callable[[], Store]]:
    """Opens the database the commands use, once they have created it."""
    opened: list[Store] = []

    def open_it() -> Store:
        opened.append(Store(f"sqlite:///{data_dir / 'tickwork.db'}"))
        return opened[-1]

    yield open_it
    for store in opened:
        store.dispose()


def add(data_dir: Path, name: str, role: str, password: str = "long enough pw") -> None:
    result = tickwork(
        "user", "add", name, "--role", role, "--password-stdin", data_dir=data_dir, stdin=password
    )
    assert result.returncode == 0, result.stderr
    assert f"added {name} ({role})" in result.stdout


def test_users_are_added_listed_changed_and_removed(
    data_dir: Path, open_store: Callable[[], Store]
) -> None:
    add(data_dir, "ada", "admin")
    add(data_dir, "vera", "viewer", "vera's password\n")
    listed = tickwork("user", "list", data_dir=data_dir)
    assert [line.split("\t")[:2] for line in listed.stdout.splitlines()] == [
        ["ada", "admin"],
        ["vera", "viewer"],
    ]
    db = open_store()
    assert users.authenticate(db, "vera", "vera's password") is not None  # newline not kept
    assert tickwork("user", "set-role", "vera", "operator", data_dir=data_dir).returncode == 0
    changed = tickwork(
        "user", "set-password", "vera", "--password-stdin", data_dir=data_dir, stdin="new pw 123"
    )
    assert changed.returncode == 0, changed.stderr
    vera = users.authenticate(db, "vera", "new pw 123")
    assert vera is not None and vera.role == "operator"
    assert tickwork("user", "remove", "vera", data_dir=data_dir).returncode == 0
    assert [u.username for u in users.all_users(db)] == ["ada"]
    actions = [(e.actor, e.action, e.target_id) for e in audit.page(db)[0]]
    assert actions == [
        ("cli", "user.delete", "vera"),
        ("cli", "user.update", "vera"),
        ("cli", "user.update", "vera"),
        ("cli", "user.create", "vera"),
        ("cli", "user.create", "ada"),
    ]


def test_the_password_is_asked_for_when_not_piped(
    data_dir: Path, open_store: Callable[[], Store]
) -> None:
    result = tickwork(
        "user",
        "add",
        "ada",
        "--role",
        "admin",
        data_dir=data_dir,
        stdin="typed password\ntyped password\n",
    )
    assert result.returncode == 0, result.stderr
    assert "typed password" not in result.stdout
    assert users.authenticate(open_store(), "ada", "typed password") is not None


def test_a_password_is_never_a_plain_flag(data_dir: Path) -> None:
    result = tickwork("user", "add", "ada", "--role", "admin", "--password", "x", data_dir=data_dir)
    assert result.returncode != 0 and "No such option" in result.stderr


def test_mistakes_are_clear_errors(data_dir: Path) -> None:
    add(data_dir, "ada", "admin")
    cases = [
        (("user", "add", "bob", "--role", "viewer", "--password-stdin"), "short", "8-1024"),
        (("user", "add", "ada", "--role", "viewer", "--password-stdin"), "long enough", "exists"),
        (("user", "add", "cli", "--role", "viewer", "--password-stdin"), "long enough", "reserved"),
        (("user", "add", "bob", "--role", "root", "--password-stdin"), "long enough", "root"),
        (("user", "remove", "ada"), "", "last admin"),
        (("user", "set-role", "ada", "viewer"), "", "last admin"),
        (("user", "remove", "nobody"), "", "no user nobody"),
    ]
    for args, stdin, message in cases:
        result = tickwork(*args, data_dir=data_dir, stdin=stdin)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)


def test_import_records_the_cli_as_actor(
    tmp_path: Path, data_dir: Path, open_store: Callable[[], Store]
) -> None:
    source = tmp_path / "in.json"
    source.write_text(
        json.dumps([{"name": "a", "workflow_type": "job", "cron_schedule": "0 7 * * *"}])
    )
    result = tickwork("import", str(source), "--workflows", str(TEST_REGISTRY), data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    [entry] = audit.page(open_store())[0]
    assert (entry.actor, entry.action, entry.detail) == (
        "cli",
        "schedule.import",
        {"created": 1, "updated": 0, "total": 1},
    )


# -- serve on a public address -----------------------------------------------------------------


def serve_public(data_dir: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Start `serve --host 0.0.0.0 --port 0`; when it serves, ask it one question and stop it.
    Returns the exit code and everything it printed."""
    command = [*TICKWORK, "serve", "--host", "0.0.0.0", "--port", "0"]
    command += ["--data-dir", str(data_dir), "--workflows", str(TEST_REGISTRY)]
    output = []
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if match := re.search(r"serving on http://0\.0\.0\.0:(\d+)/", line):
                output.append(
                    f"me: {status_of(f'http://127.0.0.1:{match.group(1)}/api/v1/auth/me')}\n"
                )
                proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=30), "".join(output)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        err.close()
        return err.code


def test_serve_refuses_a_public_address_while_nobody_is_configured(data_dir: Path) -> None:
    assert tickwork("user", "list", data_dir=data_dir).returncode == 0  # a database, no users
    code, output = serve_public(data_dir)
    assert code != 0 and "refusing to listen on 0.0.0.0" in output


def test_serve_listens_publicly_once_a_user_exists(data_dir: Path) -> None:
    add(data_dir, "ada", "admin")
    code, output = serve_public(data_dir)
    assert "serving on http://0.0.0.0:" in output
    assert "me: 401" in output  # and it does ask for credentials
    assert code == 0


def test_serve_listens_publicly_with_a_token(data_dir: Path) -> None:
    code, output = serve_public(data_dir, env={"TICKWORK_API_TOKEN": "a-long-token-" + "x" * 20})
    assert "serving on http://0.0.0.0:" in output and "me: 401" in output
    assert code == 0


def test_the_signing_key_is_private(data_dir: Path) -> None:
    serve_public(data_dir, env={"TICKWORK_API_TOKEN": "a-long-token-" + "y" * 20})
    key = data_dir / "secret_key"
    assert key.is_file() and os.stat(key).st_mode & 0o777 == 0o600
    assert len(key.read_text().strip()) >= 32
