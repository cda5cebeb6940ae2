"""GET /audit, and the entries each change leaves: who, what, to which target, with what detail."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import finished_run, logged_in, schedule_body, wait_for
from tickwork.app import create_app
from tickwork.runtime import Runtime

API = "/api/v1"


def entries(client: FlaskClient, **query: Any) -> list[dict[str, Any]]:
    response = client.get(f"{API}/audit", query_string={"page_size": 200, **query})
    assert response.status_code == 200, response.get_json()
    return list(response.get_json()["items"])


def latest(client: FlaskClient) -> dict[str, Any]:
    entry = entries(client)[0]
    return {k: entry[k] for k in ("actor", "action", "target_type", "target_id", "detail")}


def test_schedule_changes_are_recorded_with_actor_and_target(
    admin: FlaskClient, operator: FlaskClient
) -> None:
    created = admin.post(f"{API}/schedules", json=schedule_body(name="nightly"))
    sid = created.get_json()["id"]
    assert latest(admin) == {
        "actor": "ada",
        "action": "schedule.create",
        "target_type": "schedule",
        "target_id": sid,
        "detail": {"name": "nightly"},
    }
    admin.patch(f"{API}/schedules/{sid}", json={"cron_schedule": "0 3 * * *", "name": "nightly"})
    assert latest(admin)["detail"] == {"name": "nightly", "fields": ["cron_schedule"]}
    admin.put(f"{API}/schedules/{sid}", json={"workflow_type": "job"})
    # The parameters went with the old workflow type: that is a change too.
    assert latest(admin)["detail"]["fields"] == ["workflow_type", "parameters"]
    operator.post(f"{API}/schedules/{sid}/toggle", json={"enabled": False})
    assert latest(admin) == {
        "actor": "oscar",
        "action": "schedule.toggle",
        "target_type": "schedule",
        "target_id": sid,
        "detail": {"name": "nightly", "enabled": False},
    }
    admin.delete(f"{API}/schedules/{sid}")
    assert latest(admin) == {
        "actor": "ada",
        "action": "schedule.delete",
        "target_type": "schedule",
        "target_id": sid,
        "detail": {"name": "nightly"},
    }


def test_runs_and_cancels_are_recorded(admin: FlaskClient, operator: FlaskClient) -> None:
    body = schedule_body(workflow_type="job", parameters={"sleep": 30})
    sid = admin.post(f"{API}/schedules", json=body).get_json()["id"]
    run = operator.post(f"{API}/schedules/{sid}/run").get_json()
    assert latest(admin) == {
        "actor": "oscar",
        "action": "schedule.run",
        "target_type": "schedule",
        "target_id": sid,
        # The status the run was queued with; by the time the answer is read it may be running.
        "detail": {"name": body["name"], "run_id": run["id"], "status": "queued"},
    }
    wait_for(lambda: admin.get(f"{API}/runs/{run['id']}").get_json()["status"] == "running")
    assert operator.post(f"{API}/runs/{run['id']}/cancel").status_code == 202
    assert latest(admin) == {
        "actor": "oscar",
        "action": "run.cancel",
        "target_type": "run",
        "target_id": str(run["id"]),
        "detail": {"schedule_id": sid},
    }
    finished_run(admin, run["id"])


def test_a_run_with_overridden_parameters_records_their_names_only(
    admin: FlaskClient, operator: FlaskClient
) -> None:
    sid = admin.post(f"{API}/schedules", json=schedule_body()).get_json()["id"]
    body = {"parameters": {"regions": ["secret-region"], "number": 1}}
    run = operator.post(f"{API}/schedules/{sid}/run", json=body).get_json()
    entry = latest(admin)
    assert entry["action"] == "schedule.run"
    assert entry["detail"]["overridden_parameters"] == ["number", "regions"]
    assert "secret-region" not in str(entry)
    finished_run(admin, run["id"])


def test_import_pause_and_resume_are_recorded(admin: FlaskClient, operator: FlaskClient) -> None:
    document = [{"name": "a", "workflow_type": "job", "cron_schedule": "0 7 * * *"}]
    assert admin.post(f"{API}/schedules/import", json=document).status_code == 200
    assert latest(admin) == {
        "actor": "ada",
        "action": "schedule.import",
        "target_type": "schedule",
        "target_id": None,
        "detail": {"created": 1, "updated": 0, "total": 1},
    }
    operator.post(f"{API}/scheduler/pause")
    operator.post(f"{API}/scheduler/resume")
    assert [(e["actor"], e["action"], e["target_type"]) for e in entries(admin)[:2]] == [
        ("oscar", "scheduler.resume", "scheduler"),
        ("oscar", "scheduler.pause", "scheduler"),
    ]


def test_logins_and_user_management_are_recorded(runtime: Runtime, admin: FlaskClient) -> None:
    stranger = create_app(runtime).test_client()
    stranger.post(f"{API}/auth/login", json={"username": "vera", "password": "guess-guess"})
    failed = latest(admin)
    assert (failed["actor"], failed["action"], failed["target_id"]) == (
        "anonymous",
        "auth.login_failed",
        "vera",
    )
    assert set(failed["detail"]) == {"address"}
    vera = logged_in(runtime, "vera")
    assert latest(admin)["actor"] == "vera" and latest(admin)["action"] == "auth.login"
    vera.post(f"{API}/auth/logout")
    assert (latest(admin)["actor"], latest(admin)["action"]) == ("vera", "auth.logout")
    new = {"username": "nina", "password": "nina's long password", "role": "viewer"}
    admin.post(f"{API}/users", json=new)
    admin.put(f"{API}/users/nina", json={"role": "operator", "password": "another password"})
    admin.delete(f"{API}/users/nina")
    recorded = [(e["actor"], e["action"], e["target_id"], e["detail"]) for e in entries(admin)[:3]]
    assert recorded == [
        ("ada", "user.delete", "nina", {}),
        ("ada", "user.update", "nina", {"fields": ["password", "role"], "role": "operator"}),
        ("ada", "user.create", "nina", {"role": "viewer"}),
    ]
    assert "another password" not in admin.get(f"{API}/audit").get_data(as_text=True)


def test_refused_and_failed_requests_leave_no_entry(
    admin: FlaskClient, viewer: FlaskClient
) -> None:
    before = len(entries(admin))
    assert viewer.post(f"{API}/schedules", json=schedule_body()).status_code == 403
    assert (
        admin.post(f"{API}/schedules", json=schedule_body(cron_schedule="nope")).status_code == 422
    )
    assert admin.delete(f"{API}/schedules/00000000-0000-4000-8000-000000000000").status_code == 404
    assert admin.post(f"{API}/runs/12345/cancel").status_code == 404
    assert len(entries(admin)) == before


def test_the_log_is_newest_first_paged_and_filtered(
    admin: FlaskClient, operator: FlaskClient, viewer: FlaskClient, outsider: FlaskClient
) -> None:
    sid = admin.post(f"{API}/schedules", json=schedule_body()).get_json()["id"]
    for _ in range(3):
        operator.post(f"{API}/schedules/{sid}/toggle")
    everything = entries(viewer)  # any role may read it
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    assert all(e["at"].endswith("Z") for e in everything)
    page = viewer.get(f"{API}/audit?page=2&page_size=2").get_json()
    assert (page["page"], page["page_size"], page["total"]) == (2, 2, len(everything))
    assert [e["id"] for e in page["items"]] == [e["id"] for e in everything[2:4]]
    toggles = entries(viewer, action="schedule.toggle")
    assert len(toggles) == 3 and {e["actor"] for e in toggles} == {"oscar"}
    assert [e["detail"]["enabled"] for e in toggles] == [False, True, False]
    assert {e["action"] for e in entries(viewer, actor="ada")} >= {"schedule.create"}
    by_target = entries(viewer, target_id=sid, actor="oscar")
    assert len(by_target) == 3
    assert entries(viewer, actor="nobody") == []
    assert viewer.get(f"{API}/audit?page_size=201").status_code == 422
    assert viewer.get(f"{API}/audit?colour=red").status_code == 422
    assert outsider.get(f"{API}/audit").status_code == 401


def test_in_open_mode_the_actor_is_anonymous(client: FlaskClient) -> None:
    sid = client.post(f"{API}/schedules", json=schedule_body()).get_json()["id"]
    entry = latest(client)
    assert (entry["actor"], entry["action"], entry["target_id"]) == (
        "anonymous",
        "schedule.create",
        sid,
    )
