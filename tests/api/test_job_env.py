"""The environment a job gets: the allow-listed part of the server's, the workflow's own env and
the run's identity, and never the server's settings or secrets."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import API_TOKEN, TEST_REGISTRY, finished_run, wait_for
from tests.integration.server import Server
from tickwork.app import create_app
from tickwork.config import Settings, load_settings
from tickwork.errors import ConfigError
from tickwork.executor.local import job_environment
from tickwork.runtime import Runtime

SECRET_KEY = "tw-test-secret-key-5f0e1a"
DB_PASSWORD = "pg-pass-93b1"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, api_token=API_TOKEN, secret_key=SECRET_KEY)


@pytest.fixture
def server_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's own environment as a deployment sets it: settings, secrets, and a variable
    an operator allow-listed by mistake that happens to hold the token."""
    monkeypatch.setenv("TICKWORK_API_TOKEN", API_TOKEN)
    monkeypatch.setenv("TICKWORK_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("TICKWORK_DATABASE_URL", f"postgresql://tw:{DB_PASSWORD}@db/tw")
    monkeypatch.setenv("HOME", "/home/tickwork-test")
    monkeypatch.setenv("LC_TIME", "de_DE.UTF-8")
    monkeypatch.setenv("UNLISTED_SERVER_VARIABLE", "server-only")


def env_of_a_run(client: FlaskClient) -> dict[str, str]:
    response = client.post(
        "/api/v1/schedules",
        json={"name": "env", "workflow_type": "env", "cron_schedule": "0 3 * * *"},
    )
    assert response.status_code == 201, response.get_json()
    schedule = response.get_json()
    queued = client.post(f"/api/v1/schedules/{schedule['id']}/run").get_json()
    run = finished_run(client, queued["id"])
    assert run["status"] == "success", run
    log = client.get(f"/api/v1/runs/{run['id']}/log").get_json()["content"]
    env = dict(line.split("=", 1) for line in log.splitlines() if "=" in line)
    return env | {"_log": log, "_run_id": str(run["id"]), "_schedule_id": schedule["id"]}


def test_a_job_never_sees_the_servers_settings_or_secrets(
    runtime: Runtime, server_env: None
) -> None:
    client = create_app(runtime).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {API_TOKEN}"
    env = env_of_a_run(client)
    log = env["_log"]
    assert API_TOKEN not in log and SECRET_KEY not in log and DB_PASSWORD not in log
    assert not [name for name in env if name.startswith("TICKWORK_") and name not in RUN_VARS]
    assert "UNLISTED_SERVER_VARIABLE" not in env
    assert env["PATH"] and env["HOME"] == "/home/tickwork-test"
    assert env["LC_TIME"] == "de_DE.UTF-8"  # LC_* is allowed as a family
    assert env["JOB_GREETING"] == "hello from the registry"
    assert env["TICKWORK_RUN_ID"] == env["_run_id"]
    assert env["TICKWORK_SCHEDULE_ID"] == env["_schedule_id"]
    assert env["TICKWORK_RUN_TAG"].endswith(f"/{env['_run_id']}")


RUN_VARS = ("TICKWORK_RUN_ID", "TICKWORK_SCHEDULE_ID", "TICKWORK_RUN_TAG")


def test_the_allow_list_is_a_setting(runtime: Runtime, server_env: None) -> None:
    settings = replace(runtime.settings, job_env_allowlist=("PATH", "UNLISTED_SERVER_VARIABLE"))
    env = job_environment(settings, {}, {"TICKWORK_RUN_ID": "7"})
    assert env["UNLISTED_SERVER_VARIABLE"] == "server-only"
    assert "HOME" not in env and "LC_TIME" not in env
    assert env["TICKWORK_RUN_ID"] == "7"


def test_server_settings_and_secrets_pass_no_allow_list(
    runtime: Runtime, server_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAKY", f"token={API_TOKEN}")
    listed = ("PATH", "TICKWORK_API_TOKEN", "TICKWORK_*", "*", "LEAKY")
    settings = replace(runtime.settings, job_env_allowlist=listed)
    env = job_environment(settings, {"FROM_WORKFLOW": "1"}, {})
    assert not [name for name in env if name.startswith("TICKWORK_")]
    assert "LEAKY" not in env  # its value holds the server's token
    assert env["UNLISTED_SERVER_VARIABLE"] == "server-only"  # "*" lets the rest through
    assert env["FROM_WORKFLOW"] == "1"


def test_a_variable_holding_the_metrics_token_is_not_passed_either(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    metrics_token = "tw-test-metrics-token-0c7d"
    monkeypatch.setenv("SCRAPE_AUTH", f"Bearer {metrics_token}")
    settings = replace(runtime.settings, metrics_token=metrics_token, job_env_allowlist=("*",))
    env = job_environment(settings, {}, {})
    assert "SCRAPE_AUTH" not in env
    assert metrics_token not in "".join(env.values())


def test_the_allow_list_comes_from_the_environment_or_the_file(tmp_path: Path) -> None:
    from_env = load_settings(environ={"TICKWORK_JOB_ENV_ALLOWLIST": " PATH, HOME ,LC_*,"})
    assert from_env.job_env_allowlist == ("PATH", "HOME", "LC_*")
    path = tmp_path / "tickwork.toml"
    path.write_text('job_env_allowlist = ["PATH", "PYTHONPATH"]\n')
    assert load_settings(config_file=path, environ={}).job_env_allowlist == ("PATH", "PYTHONPATH")
    path.write_text("job_env_allowlist = []\n")
    assert load_settings(config_file=path, environ={}).job_env_allowlist == ()
    assert "PATH" in load_settings(environ={}).job_env_allowlist


@pytest.mark.parametrize(
    "value", ["PATH,TICKWORK_API_TOKEN", "tickwork_database_url", "PATH,BAD NAME", "TICK*"]
)
def test_the_allow_list_refuses_tickworks_own_settings(value: str) -> None:
    with pytest.raises(ConfigError, match="job_env_allowlist"):
        load_settings(environ={"TICKWORK_JOB_ENV_ALLOWLIST": value})


def call(server: Server, method: str, path: str, body: object = None) -> Any:
    """One request with the API token, answered with its JSON (the helper sends none)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {API_TOKEN}", "Content-Type": "application/json"}
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_a_real_server_keeps_its_secrets_from_jobs(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", TEST_REGISTRY).start_with_env(
        {"TICKWORK_API_TOKEN": API_TOKEN, "TICKWORK_SECRET_KEY": SECRET_KEY}
    )
    try:
        body = {"name": "env", "workflow_type": "env", "cron_schedule": "0 3 * * *"}
        schedule = call(server, "POST", "/api/v1/schedules", body)
        run = call(server, "POST", f"/api/v1/schedules/{schedule['id']}/run")
        wait_for(lambda: call(server, "GET", f"/api/v1/runs/{run['id']}")["finished_at"])
        log = call(server, "GET", f"/api/v1/runs/{run['id']}/log")["content"]
    finally:
        server.stop()
    assert API_TOKEN not in log and SECRET_KEY not in log
    assert "PATH=" in log and "JOB_GREETING=hello from the registry" in log
