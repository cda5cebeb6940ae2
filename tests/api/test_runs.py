"""POST /schedules/{id}/run, GET /schedules/{id}/runs, GET /runs/{id}, /log, /cancel"""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from tests.conftest import alive, finished_run, wait_for
from tickwork.runtime import Runtime


def run_now(client: FlaskClient, schedule_id: str) -> dict:
    response = client.post(f"/api/v1/schedules/{schedule_id}/run")
    assert response.status_code == 202, response.get_json()
    return dict(response.get_json())


def test_run_now_runs_the_workflow(client: FlaskClient, make_schedule: Callable) -> None:
    schedule = make_schedule()
    queued = run_now(client, schedule["id"])
    assert queued["trigger"] == "manual"
    assert queued["status"] in ("queued", "running")
    assert queued["command"][1:] == ["main.py", "-n", "3", "-r", "germany", "austria"]
    run = finished_run(client, queued["id"])
    assert run["status"] == "success", run
    assert run["exit_code"] == 0
    assert "workflow complete" in run["output_tail"]
    assert run["started_at"] <= run["finished_at"]
    assert run["duration_seconds"] > 0
    assert run["cpu_seconds"] >= 0
    after = client.get(f"/api/v1/schedules/{schedule['id']}").get_json()
    assert after["last_status"] == "success"
    assert after["last_run"] == run["started_at"]
    assert [r["id"] for r in after["execution_history"]] == [run["id"]]


def test_a_failing_run_is_recorded(client: FlaskClient, make_schedule: Callable) -> None:
    schedule = make_schedule(workflow_type="job", parameters={"exit": 3})
    run = finished_run(client, run_now(client, schedule["id"])["id"])
    assert run["status"] == "failed"
    assert run["exit_code"] == 3
    assert "code 3" in run["error"]
    status = client.get("/api/v1/schedules/status").get_json()
    assert [r["id"] for r in status["recent_failures"]] == [run["id"]]


def test_a_run_that_times_out_is_killed(client: FlaskClient, make_schedule: Callable) -> None:
    schedule = make_schedule(
        workflow_type="job", parameters={"sleep": 60, "grandchild": True}, timeout_seconds=1
    )
    run = finished_run(client, run_now(client, schedule["id"])["id"])
    assert run["status"] == "timeout"
    assert "timed out" in run["error"]
    grandchild = int(run["output_tail"].split("grandchild ")[1].split()[0])
    wait_for(lambda: not alive(grandchild), timeout=5)


def test_cancel_stops_a_running_run(client: FlaskClient, make_schedule: Callable) -> None:
    schedule = make_schedule(workflow_type="job", parameters={"sleep": 60})
    queued = run_now(client, schedule["id"])
    wait_for(lambda: client.get(f"/api/v1/runs/{queued['id']}").get_json()["status"] == "running")
    response = client.post(f"/api/v1/runs/{queued['id']}/cancel")
    assert response.status_code == 202
    run = finished_run(client, queued["id"])
    assert run["status"] == "cancelled"
    again = client.post(f"/api/v1/runs/{queued['id']}/cancel")
    assert again.status_code == 409


def test_a_second_run_while_one_is_going_is_skipped(
    client: FlaskClient, make_schedule: Callable
) -> None:
    schedule = make_schedule(workflow_type="job", parameters={"sleep": 60})
    first = run_now(client, schedule["id"])
    second = run_now(client, schedule["id"])
    assert second["status"] == "skipped"
    assert f"#{first['id']}" in second["error"]
    client.post(f"/api/v1/runs/{first['id']}/cancel")
    finished_run(client, first["id"])


def test_concurrency_allow_runs_both(client: FlaskClient, make_schedule: Callable) -> None:
    schedule = make_schedule(
        workflow_type="job", parameters={"sleep": 0.5}, concurrency_policy="allow"
    )
    first, second = run_now(client, schedule["id"]), run_now(client, schedule["id"])
    assert finished_run(client, first["id"])["status"] == "success"
    assert finished_run(client, second["id"])["status"] == "success"


def test_concurrency_replace_cancels_the_old_run(
    client: FlaskClient, make_schedule: Callable
) -> None:
    schedule = make_schedule(
        workflow_type="job", parameters={"sleep": 60}, concurrency_policy="replace"
    )
    first = run_now(client, schedule["id"])
    wait_for(lambda: client.get(f"/api/v1/runs/{first['id']}").get_json()["status"] == "running")
    second = run_now(client, schedule["id"])
    replaced = finished_run(client, first["id"])
    assert replaced["status"] == "cancelled"
    assert replaced["error"] == f"replaced by run #{second['id']}"
    assert client.get(f"/api/v1/runs/{second['id']}").get_json()["status"] in ("queued", "running")
    client.post(f"/api/v1/runs/{second['id']}/cancel")
    finished_run(client, second["id"])


def test_history_is_newest_first_and_paged(client: FlaskClient, make_schedule: Callable) -> None:
    # Once a year: an hourly default would add a cron run when the test crosses the hour.
    schedule = make_schedule(
        workflow_type="job", parameters={}, concurrency_policy="allow", cron_schedule="0 3 1 1 *"
    )
    ids = [run_now(client, schedule["id"])["id"] for _ in range(3)]
    for run_id in ids:
        finished_run(client, run_id)
    body = client.get(f"/api/v1/schedules/{schedule['id']}/runs?page_size=2").get_json()
    assert [r["id"] for r in body["items"]] == ids[::-1][:2]
    assert body["total"] == 3
    page2 = client.get(f"/api/v1/schedules/{schedule['id']}/runs?page=2&page_size=2").get_json()
    assert [r["id"] for r in page2["items"]] == [ids[0]]
    only_failed = client.get(f"/api/v1/schedules/{schedule['id']}/runs?status=failed").get_json()
    assert only_failed["total"] == 0


def test_history_of_unknown_schedule_is_404(client: FlaskClient) -> None:
    assert client.get("/api/v1/schedules/nope/runs").status_code == 404


def test_the_log_is_served_from_an_offset(client: FlaskClient, make_schedule: Callable) -> None:
    schedule = make_schedule(workflow_type="job", parameters={"say": ["héllo", "wörld"]})
    run = finished_run(client, run_now(client, schedule["id"])["id"])
    log = client.get(f"/api/v1/runs/{run['id']}/log").get_json()
    assert log["complete"] is True
    assert "job started héllo wörld" in log["content"]
    assert log["next_offset"] == len(log["content"].encode())
    rest = client.get(f"/api/v1/runs/{run['id']}/log?offset=12").get_json()
    assert log["content"].encode()[12:].decode() == rest["content"]


def test_unknown_runs_are_404(client: FlaskClient) -> None:
    assert client.get("/api/v1/runs/999999").status_code == 404
    assert client.get("/api/v1/runs/999999/log").status_code == 404
    assert client.post("/api/v1/runs/999999/cancel").status_code == 404
    assert client.get("/api/v1/runs/abc").status_code == 404


def test_deleting_a_schedule_stops_its_runs(client: FlaskClient, make_schedule: Callable) -> None:
    schedule = make_schedule(workflow_type="job", parameters={"sleep": 60, "grandchild": True})
    queued = run_now(client, schedule["id"])
    run = wait_for(
        lambda: (
            (r := client.get(f"/api/v1/runs/{queued['id']}").get_json())["status"] == "running"
            and "grandchild" in client.get(f"/api/v1/runs/{queued['id']}/log").get_json()["content"]
            and r
        )
    )
    log = client.get(f"/api/v1/runs/{run['id']}/log").get_json()["content"]
    grandchild = int(log.split("grandchild ")[1].split()[0])
    assert client.delete(f"/api/v1/schedules/{schedule['id']}").status_code == 204
    wait_for(lambda: not alive(grandchild), timeout=10)
    assert client.get(f"/api/v1/runs/{run['id']}").status_code == 404


def test_log_pages_never_split_or_drop_a_character(
    client: FlaskClient, make_schedule: Callable
) -> None:
    schedule = make_schedule(
        workflow_type="job", parameters={"say": ["Grüße", "aus", "Köln", "€€€"]}
    )
    run = finished_run(client, run_now(client, schedule["id"])["id"])
    whole = client.get(f"/api/v1/runs/{run['id']}/log").get_json()["content"]
    pieces, offset = [], 0
    for _ in range(1000):
        page = client.get(f"/api/v1/runs/{run['id']}/log?offset={offset}&limit=7").get_json()
        pieces.append(page["content"])
        offset = page["next_offset"]
        if page["complete"]:
            break
    assert "".join(pieces) == whole
    assert "Grüße aus Köln €€€" in whole


def test_deleting_a_schedule_removes_its_log_files(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable
) -> None:
    schedule = make_schedule(workflow_type="job", parameters={})
    finished_run(client, run_now(client, schedule["id"])["id"])
    logs = runtime.settings.logs_dir / schedule["id"]
    assert any(logs.iterdir())
    client.delete(f"/api/v1/schedules/{schedule['id']}")
    assert not logs.exists()
