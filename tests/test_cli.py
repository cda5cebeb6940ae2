"""The `tickwork` command: help, export and import of schedules.json, refusing to expose itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import TEST_REGISTRY


def tickwork(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tickwork", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_help_documents_every_command() -> None:
    out = tickwork("--help").stdout
    for command in ("serve", "export", "import"):
        assert command in out
    serve_help = tickwork("serve", "--help").stdout
    for flag in ("--host", "--port", "--data-dir", "--workflows", "--database-url"):
        assert flag in serve_help


def write(path: Path, content: object) -> Path:
    path.write_text(json.dumps(content) if not isinstance(content, str) else content)
    return path


def test_import_then_export_round_trips(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    source = write(
        tmp_path / "in.json",
        [{"name": "Weekend", "workflow_type": "job", "cron_schedule": "0 9,15,21 * * 6,0"}],
    )
    result = tickwork("import", str(source), *data, "--workflows", str(TEST_REGISTRY))
    assert result.returncode == 0, result.stderr
    assert "1 created" in result.stdout
    exported = tickwork("export", *data)
    assert exported.returncode == 0, exported.stderr
    doc = json.loads(exported.stdout)
    assert [s["name"] for s in doc["schedules"]] == ["Weekend"]
    out_file = tmp_path / "out.json"
    assert tickwork("export", str(out_file), *data).returncode == 0
    assert json.loads(out_file.read_text())["schedules"] == doc["schedules"]


def test_an_invalid_import_changes_nothing_and_says_what_is_wrong(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data"), "--workflows", str(TEST_REGISTRY)]
    good = write(
        tmp_path / "good.json",
        [{"name": "a", "workflow_type": "job", "cron_schedule": "0 7 * * *"}],
    )
    assert tickwork("import", str(good), *data).returncode == 0
    bad = write(
        tmp_path / "bad.json",
        [
            {"name": "b", "workflow_type": "job", "cron_schedule": "0 7 * * *"},
            {"name": "c", "workflow_type": "nope", "cron_schedule": "0 7 * * *"},
        ],
    )
    result = tickwork("import", str(bad), *data)
    assert result.returncode != 0
    assert "schedules.1.workflow_type" in result.stderr
    corrupt = write(tmp_path / "corrupt.json", '{"schedules": [')
    result = tickwork("import", str(corrupt), *data)
    assert result.returncode != 0 and "not valid JSON" in result.stderr
    names = [s["name"] for s in json.loads(tickwork("export", *data[:2]).stdout)["schedules"]]
    assert names == ["a"]


def test_serve_refuses_a_public_address_without_auth(tmp_path: Path) -> None:
    result = tickwork("serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path))
    assert result.returncode != 0
    assert "refusing to listen on 0.0.0.0" in result.stderr
    assert not (tmp_path / "tickwork.db").exists()


def test_a_broken_registry_is_a_clear_error(tmp_path: Path) -> None:
    registry = write(tmp_path / "workflows.json", {"main": {"base_command": "python main.py"}})
    result = tickwork(
        "import", str(registry), "--data-dir", str(tmp_path), "--workflows", str(registry)
    )
    assert result.returncode != 0
    assert "base_command must be a non-empty list" in result.stderr


def test_the_run_control_fields_round_trip_through_the_cli(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data")]
    a, b = "7d1c0d1e-0000-4000-8000-00000000000a", "7d1c0d1e-0000-4000-8000-00000000000b"
    common = {"workflow_type": "job", "cron_schedule": "0 3 * * *"}
    source = write(
        tmp_path / "in.json",
        [
            {"id": b, "name": "B", **common, "depends_on": [{"schedule_id": a, "on": "failure"}]},
            {"id": a, "name": "A", **common, "max_retries": 2, "retry_backoff": 1.5},
        ],
    )
    result = tickwork("import", str(source), *data, "--workflows", str(TEST_REGISTRY))
    assert result.returncode == 0, result.stderr
    doc = json.loads(tickwork("export", *data).stdout)
    by_name = {s["name"]: s for s in doc["schedules"]}
    assert by_name["B"]["depends_on"] == [{"schedule_id": a, "on": "failure"}]
    assert (by_name["A"]["max_retries"], by_name["A"]["retry_backoff"]) == (2, 1.5)


def test_openapi_writes_the_document_the_server_serves(tmp_path: Path) -> None:
    from tickwork.app import create_app
    from tickwork.config import Settings
    from tickwork.runtime import Runtime

    out = tmp_path / "openapi.json"
    result = tickwork("openapi", str(out))
    assert result.returncode == 0, result.stderr
    written = json.loads(out.read_text())
    runtime = Runtime(Settings(data_dir=tmp_path / "data", workflows=TEST_REGISTRY))
    served = create_app(runtime).test_client().get("/api/v1/openapi.json").get_json()
    assert written == served
    assert "/api/v1/schedules/{schedule_id}" in written["paths"]
