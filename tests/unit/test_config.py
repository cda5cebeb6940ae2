"""Settings: defaults, then the config file, then the environment, then command-line flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from tickwork.config import Settings, load_settings
from tickwork.errors import ConfigError

CHECKOUT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs where no stray ./tickwork.toml can be picked up."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    return workdir


def config(tmp_path: Path, text: str, name: str = "tickwork.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_it_has_the_documented_defaults():
    settings = load_settings(environ={})
    assert settings == Settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.data_dir == Path("data")
    assert settings.default_timezone == "Europe/Berlin"
    assert settings.database_url is None and settings.api_token is None


def test_the_file_sets_values(tmp_path):
    path = config(tmp_path, 'port = 8100\nhost = "127.0.0.2"\nkill_grace_seconds = 1.5\n')
    settings = load_settings(config_file=path, environ={})
    assert (settings.port, settings.host, settings.kill_grace_seconds) == (8100, "127.0.0.2", 1.5)


def test_the_environment_beats_the_file_and_flags_beat_both(tmp_path):
    path = config(tmp_path, 'port = 8100\nhost = "127.0.0.2"\nmax_concurrent_runs = 2\n')
    environ = {"TICKWORK_PORT": "8200", "TICKWORK_HOST": "127.0.0.3"}
    settings = load_settings(overrides={"port": 8300}, config_file=path, environ=environ)
    assert settings.port == 8300  # flag over environment over file
    assert settings.host == "127.0.0.3"  # environment over file
    assert settings.max_concurrent_runs == 2  # file only


def test_flags_that_were_not_given_leave_the_value_alone(tmp_path):
    path = config(tmp_path, "port = 8100\n")
    settings = load_settings(overrides={"port": None, "host": None}, config_file=path, environ={})
    assert (settings.port, settings.host) == (8100, "127.0.0.1")


def test_an_empty_environment_variable_is_ignored(tmp_path):
    path = config(tmp_path, "port = 8100\n")
    assert load_settings(config_file=path, environ={"TICKWORK_PORT": ""}).port == 8100


def test_the_environment_values_get_their_setting_types():
    environ = {
        "TICKWORK_DATA_DIR": "/srv/tickwork",
        "TICKWORK_WORKFLOWS": "/etc/tickwork/workflows.toml",
        "TICKWORK_KILL_GRACE_SECONDS": "2.5",
        "TICKWORK_LOG_MAX_BYTES": "65536",
        "TICKWORK_API_TOKEN": "s3cret-token",
    }
    settings = load_settings(environ=environ)
    assert settings.data_dir == Path("/srv/tickwork")
    assert settings.workflows == Path("/etc/tickwork/workflows.toml")
    assert settings.kill_grace_seconds == 2.5
    assert settings.log_max_bytes == 65536
    assert settings.api_token == "s3cret-token"
    assert "s3cret-token" not in repr(settings)


def test_the_metrics_settings_come_from_the_environment_and_the_token_stays_hidden():
    environ = {
        "TICKWORK_METRICS_TOKEN": "scrape-only-token",
        "TICKWORK_METRICS_PER_SCHEDULE": "false",
    }
    settings = load_settings(environ=environ)
    assert settings.metrics_token == "scrape-only-token"
    assert settings.metrics_per_schedule is False
    assert "scrape-only-token" not in repr(settings)
    assert load_settings(environ={}).metrics_per_schedule is True


def test_tickwork_config_names_the_file(tmp_path):
    path = config(tmp_path, "port = 8100\n", name="elsewhere.toml")
    assert load_settings(environ={"TICKWORK_CONFIG": str(path)}).port == 8100


def test_an_explicit_config_file_beats_tickwork_config(tmp_path):
    chosen = config(tmp_path, "port = 8100\n", name="chosen.toml")
    other = config(tmp_path, "port = 8200\n", name="other.toml")
    settings = load_settings(config_file=chosen, environ={"TICKWORK_CONFIG": str(other)})
    assert settings.port == 8100


def test_a_tickwork_toml_in_the_working_directory_is_read(empty_cwd):
    config(empty_cwd, "port = 8100\n")
    assert load_settings(environ={}).port == 8100


def test_it_refuses_an_unknown_setting_in_the_file(tmp_path):
    path = config(tmp_path, "port = 8100\nprot = 8200\n")
    with pytest.raises(ConfigError, match="prot"):
        load_settings(config_file=path, environ={})


@pytest.mark.parametrize(
    "line", ['port = "eighty"', "port = true", "port = 80.5", "max_concurrent_runs = [4]"]
)
def test_it_refuses_a_bad_int_in_the_file(tmp_path, line):
    path = config(tmp_path, line + "\n")
    setting = line.split(" ")[0]
    with pytest.raises(ConfigError, match=setting):
        load_settings(config_file=path, environ={})


@pytest.mark.parametrize(
    ("name", "value"),
    [("TICKWORK_PORT", "eighty"), ("TICKWORK_PORT", "80.5"), ("TICKWORK_HISTORY_SIZE", "5 runs")],
)
def test_it_refuses_a_bad_int_in_the_environment(name, value):
    with pytest.raises(ConfigError, match=name.removeprefix("TICKWORK_").lower()):
        load_settings(environ={name: value})


def test_it_refuses_a_bad_float(tmp_path):
    with pytest.raises(ConfigError, match="kill_grace_seconds"):
        load_settings(environ={"TICKWORK_KILL_GRACE_SECONDS": "soon"})
    path = config(tmp_path, "kill_grace_seconds = false\n")
    with pytest.raises(ConfigError, match="kill_grace_seconds"):
        load_settings(config_file=path, environ={})


def test_it_refuses_a_config_file_that_is_not_toml(tmp_path):
    path = config(tmp_path, "port: 8100\n")
    with pytest.raises(ConfigError, match="tickwork.toml"):
        load_settings(config_file=path, environ={})


def test_it_refuses_a_config_file_that_does_not_exist(tmp_path):
    with pytest.raises(ConfigError, match="missing.toml"):
        load_settings(config_file=tmp_path / "missing.toml", environ={})


def test_db_url_defaults_to_sqlite_inside_the_data_dir(empty_cwd):
    assert load_settings(environ={}).db_url == f"sqlite:///{empty_cwd.resolve()}/data/tickwork.db"


def test_db_url_follows_a_configured_data_dir(tmp_path):
    data = tmp_path / "state"
    settings = load_settings(overrides={"data_dir": str(data)}, environ={})
    assert settings.db_url == f"sqlite:///{data.resolve()}/tickwork.db"
    assert settings.logs_dir == data / "logs"


def test_db_url_is_the_database_url_when_one_is_set():
    url = "postgresql://tickwork@127.0.0.1:5432/tickwork"
    assert load_settings(environ={"TICKWORK_DATABASE_URL": url}).db_url == url


def test_the_registry_is_the_configured_file_or_else_the_demo():
    assert load_settings(environ={}).registry_path == CHECKOUT / "examples" / "workflows.toml"
    custom = load_settings(environ={"TICKWORK_WORKFLOWS": "/etc/tickwork/workflows.json"})
    assert custom.registry_path == Path("/etc/tickwork/workflows.json")


@pytest.mark.parametrize("lead", ["-1", "31"])
def test_a_fire_lead_outside_zero_to_thirty_seconds_is_refused(lead: str) -> None:
    with pytest.raises(ConfigError, match="fire_lead_seconds"):
        load_settings(environ={"TICKWORK_FIRE_LEAD_SECONDS": lead})
    assert load_settings(environ={"TICKWORK_FIRE_LEAD_SECONDS": "0"}).fire_lead_seconds == 0


def test_the_health_settings_have_their_documented_defaults_and_bounds(tmp_path):
    settings = load_settings(environ={})
    assert (settings.health_failures, settings.health_late_seconds) == (2, 60)
    assert (settings.health_stuck_seconds, settings.health_missed_grace_seconds) == (3600, 120)
    assert settings.health_check_interval_seconds == 30.0
    path = config(tmp_path, "health_failures = 3\nhealth_missed_grace_seconds = 0\n")
    assert load_settings(config_file=path, environ={}).health_failures == 3
    for name, value in (
        ("FAILURES", "0"),
        ("LATE_SECONDS", "0"),
        ("CHECK_INTERVAL_SECONDS", "0.5"),
    ):
        with pytest.raises(ConfigError, match=f"health_{name.lower()}"):
            load_settings(environ={f"TICKWORK_HEALTH_{name}": value})


def test_resource_sampling_is_every_two_seconds_unless_set_and_never_negative():
    assert load_settings(environ={}).resource_sample_seconds == 2.0
    off = load_settings(environ={"TICKWORK_RESOURCE_SAMPLE_SECONDS": "0"})
    assert off.resource_sample_seconds == 0.0
    with pytest.raises(ConfigError, match="resource_sample_seconds"):
        load_settings(environ={"TICKWORK_RESOURCE_SAMPLE_SECONDS": "-1"})
