"""`tickwork backup list` and `tickwork restore`: what a restore would change, then all of it or
nothing; and a store that cannot be opened names its file and the commands that restore it."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

from tests.conftest import TEST_REGISTRY
from tests.test_cli import tickwork, write


def schedule(name: str, cron: str = "0 7 * * *") -> dict[str, object]:
    return {"name": name, "workflow_type": "job", "cron_schedule": cron}


def names(data: list[str]) -> list[str]:
    exported = tickwork("export", *data[:2])
    assert exported.returncode == 0, exported.stderr
    return sorted(s["name"] for s in json.loads(exported.stdout)["schedules"])


def setup(tmp_path: Path) -> tuple[list[str], Path]:
    """A store with three schedules, exported as the copy to restore, then changed: one
    edited, one deleted, one added."""
    data = ["--data-dir", str(tmp_path / "data"), "--workflows", str(TEST_REGISTRY)]
    first = write(tmp_path / "first.json", [schedule("a"), schedule("b"), schedule("c")])
    assert tickwork("import", str(first), *data).returncode == 0
    copy = tmp_path / "copy.json"
    assert tickwork("export", str(copy), *data[:2]).returncode == 0
    doc = json.loads(copy.read_text())
    changed = [dict(s) for s in doc["schedules"] if s["name"] != "c"]
    changed[0]["cron_schedule"] = "30 8 * * 1-5"  # "a" edited
    changed.append(schedule("d"))  # added; "c" gone
    assert tickwork("import", str(write(tmp_path / "later.json", changed)), *data).returncode == 0
    return data, copy


def test_restore_shows_the_counts_and_makes_the_store_the_copy(tmp_path: Path) -> None:
    data, copy = setup(tmp_path)
    # Import only adds and updates: "c" stayed, "d" came.
    assert names(data) == ["a", "b", "c", "d"]
    dry = tickwork("restore", str(copy), *data, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "0 added" in dry.stdout
    assert "1 changed: a" in dry.stdout
    assert "1 removed: d" in dry.stdout
    assert "2 unchanged" in dry.stdout  # b and c
    assert names(data) == ["a", "b", "c", "d"]  # a dry run writes nothing

    refused = tickwork("restore", str(copy), *data)  # no --yes, no answer: nothing
    assert refused.returncode != 0
    assert "nothing restored" in refused.stderr
    assert names(data) == ["a", "b", "c", "d"]

    done = tickwork("restore", str(copy), *data, "--yes")
    assert done.returncode == 0, done.stderr
    assert names(data) == ["a", "b", "c"]
    exported = json.loads(tickwork("export", *data[:2]).stdout)["schedules"]
    assert {s["name"]: s["cron_schedule"] for s in exported}["a"] == "0 7 * * *"
    again = tickwork("restore", str(copy), *data, "--dry-run")
    assert "nothing to do" in again.stdout


def test_an_invalid_copy_restores_nothing_and_says_why(tmp_path: Path) -> None:
    data, copy = setup(tmp_path)
    doc = json.loads(copy.read_text())
    doc["schedules"][1]["cron_schedule"] = "61 * * * *"
    broken = write(tmp_path / "broken.json", doc)
    result = tickwork("restore", str(broken), *data, "--yes")
    assert result.returncode != 0
    assert "schedules.1.cron_schedule" in result.stderr
    assert names(data) == ["a", "b", "c", "d"]
    empty = write(tmp_path / "empty.json", {"version": 1, "schedules": []})
    result = tickwork("restore", str(empty), *data, "--yes")
    assert result.returncode != 0 and "holds no schedules" in result.stderr
    assert names(data) == ["a", "b", "c", "d"]


def test_backup_list_names_the_copies_and_latest_is_the_newest(tmp_path: Path) -> None:
    data = ["--data-dir", str(tmp_path / "data"), "--workflows", str(TEST_REGISTRY)]
    missing = tickwork("backup", "list", *data[:2])
    assert missing.returncode != 0 and "no backups" in missing.stderr
    for n in range(1, 3):
        batch = write(tmp_path / f"{n}.json", [schedule(f"s{n}")])
        assert tickwork("import", str(batch), *data).returncode == 0
    listed = tickwork("backup", "list", *data[:2])
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("schedules.json") and "2 schedule(s)" in lines[0]
    assert any(line.startswith("backups/schedules-") for line in lines[1:])
    unknown = tickwork("restore", "nope.json", *data, "--dry-run")
    assert unknown.returncode != 0 and "no backup 'nope.json'" in unknown.stderr
    latest = tickwork("restore", "latest", *data, "--dry-run")
    assert latest.returncode == 0 and "schedules.json (2 schedule(s))" in latest.stdout


def test_a_store_that_cannot_be_opened_says_which_and_how_to_restore(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data = ["--data-dir", str(data_dir), "--workflows", str(TEST_REGISTRY)]
    first = write(tmp_path / "first.json", [schedule("a"), schedule("b")])
    assert tickwork("import", str(first), *data).returncode == 0
    database = data_dir / "tickwork.db"
    for path in data_dir.glob("tickwork.db-*"):
        path.unlink()
    database.write_bytes(b"not a database at all" * 200)

    failed = tickwork("serve", *data, "--port", "0")
    assert failed.returncode != 0
    message = failed.stderr
    assert f"the store {database} cannot be opened" in message
    assert "Traceback" not in message
    commands = [line.strip() for line in message.splitlines() if line.startswith("  ")]
    assert commands == [
        f"mv {database} {database}.broken",
        f"tickwork restore latest --data-dir {data_dir}",
    ]
    # The commands it gives do what it says.
    move = shlex.split(commands[0])
    Path(move[1]).rename(move[2])
    restored = tickwork(*shlex.split(commands[1])[1:], "--workflows", str(TEST_REGISTRY), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "2 added: a, b" in restored.stdout
    assert names(data) == ["a", "b"]
