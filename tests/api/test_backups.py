"""/api/v1/backups: the copies of the schedules, and a restore shown first, then applied whole."""

from __future__ import annotations

from collections.abc import Callable
from unittest.mock import ANY

from flask.testing import FlaskClient

from tests.conftest import finished_run
from tickwork.portable import copy_atomically
from tickwork.runtime import Runtime

API = "/api/v1"


def names(client: FlaskClient) -> list[str]:
    body = client.get(f"{API}/schedules?page_size=100").get_json()
    return sorted(s["name"] for s in body["items"])


def test_a_restore_is_shown_then_applied_all_at_once(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable[..., dict]
) -> None:
    a = make_schedule(name="a")
    make_schedule(name="b")
    runtime.backup.write_now()  # the mirror, as the server writes it after a change
    # Kept under a name of its own: the mirror itself follows the changes below.
    copy = "backups/schedules-20261201T000000000000Z.json"
    (runtime.settings.data_dir / "backups").mkdir(exist_ok=True)
    copy_atomically(runtime.backup.path, runtime.settings.data_dir / copy)
    client.put(f"{API}/schedules/{a['id']}", json={"cron_schedule": "15 6 * * 1"})
    c = make_schedule(name="c")
    run = client.post(f"{API}/schedules/{c['id']}/run").get_json()
    finished_run(client, run["id"])
    listed = client.get(f"{API}/backups").get_json()["items"]
    assert {"name": copy, "taken_at": ANY, "schedules": 2} in listed

    dry = client.post(f"{API}/backups/restore", json={"backup": copy})
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json() == {
        "backup": copy,
        "applied": False,
        "added": [],
        "changed": ["a"],
        "removed": ["c"],
        "unchanged": 1,
    }
    assert names(client) == ["a", "b", "c"]

    done = client.post(f"{API}/backups/restore", json={"backup": copy, "dry_run": False})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["applied"] is True
    assert names(client) == ["a", "b"]
    restored = client.get(f"{API}/schedules/{a['id']}").get_json()
    assert restored["cron_schedule"] == a["cron_schedule"]
    assert client.get(f"{API}/runs/{run['id']}").status_code == 404  # c's history went with it
    entries = client.get(f"{API}/audit?action=schedule.restore").get_json()["items"]
    assert len(entries) == 1
    assert entries[0]["detail"]["backup"] == copy
    assert entries[0]["detail"]["removed"] == 1

    again = client.post(f"{API}/backups/restore", json={"backup": copy, "dry_run": False})
    again = again.get_json()
    assert again["applied"] is False and again["unchanged"] == 2


def test_restore_refuses_unknown_copies_paths_and_bad_bodies(
    client: FlaskClient, runtime: Runtime, make_schedule: Callable[..., dict]
) -> None:
    make_schedule(name="a")
    runtime.backup.write_now()
    outside = runtime.settings.data_dir.parent / "elsewhere.json"
    outside.write_text((runtime.settings.data_dir / "schedules.json").read_text())
    for name in ("nope.json", str(outside), "../elsewhere.json"):
        answer = client.post(f"{API}/backups/restore", json={"backup": name, "dry_run": False})
        assert answer.status_code == 404, (name, answer.get_json())
        assert "no backup" in answer.get_json()["message"]
    assert client.post(f"{API}/backups/restore", json={"dry_run": "soon"}).status_code == 422
    assert client.post(f"{API}/backups/restore", json={"what": 1}).status_code == 422
    broken = runtime.settings.data_dir / "backups"
    broken.mkdir(exist_ok=True)
    (broken / "schedules-20260101T000000000000Z.json").write_text(
        '{"version": 1, "schedules": [{"name": "x"}]}'
    )
    answer = client.post(
        f"{API}/backups/restore",
        json={"backup": "backups/schedules-20260101T000000000000Z.json", "dry_run": False},
    )
    assert answer.status_code == 422
    assert any(e["field"].startswith("schedules.0") for e in answer.get_json()["errors"])
    assert names(client) == ["a"]
