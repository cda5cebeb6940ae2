"""Settings, resolved once at start-up: command-line flags over environment over config file.

The config file is TOML (`--config`, `TICKWORK_CONFIG`, or `./tickwork.toml` when present),
holding the same names as the settings below in lower case.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from tickwork.errors import ConfigError

# The demo pipeline ships beside the package in a source checkout; `make run` uses it.
DEMO_REGISTRY = Path(__file__).resolve().parents[2] / "examples" / "workflows.toml"

# What a job inherits from the server's environment: what programs need to find themselves,
# their home, language and time zone (docs/configuration.md says why each is there). Anything
# else a job needs goes in its workflow's `env`, where the registry's author sees it.
DEFAULT_JOB_ENV_ALLOWLIST = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "TZ",
    "TMPDIR",
    "VIRTUAL_ENV",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)
# A name, or a family of names ending in `*`.
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\*?|\*")


# More lead than this and an every-minute schedule's next fire is claimed before its last ran.
MAX_FIRE_LEAD_SECONDS = 30.0


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    workflows: Path | None = None
    database_url: str | None = None
    default_timezone: str = "Europe/Berlin"
    # Runs at once; more wait `queued` in priority order. Large by default: a burst of light
    # jobs due together must not queue behind a handful of slots (docs/configuration.md).
    max_concurrent_runs: int = 256
    # A cron fire is claimed this long before its instant and its run waits, armed, for the
    # instant itself: the claim's transaction is then done before the process is due, not
    # between the instant and the spawn. 0 claims at the instant. Replace schedules always do.
    fire_lead_seconds: float = 2.0
    log_max_bytes: int = 5 * 1024 * 1024
    output_tail_bytes: int = 4096
    kill_grace_seconds: float = 5.0
    # A running run's process tree is measured this often (CPU, memory, processes) for its
    # resource chart; a long run's points are merged so it keeps at most 300 (the interval
    # doubles each time). 0 switches the sampling off.
    resource_sample_seconds: float = 2.0
    history_size: int = 5
    backup_count: int = 10
    # Missed fires older than this are not caught up after downtime (systemd's Persistent=).
    catch_up_window_seconds: int = 24 * 3600
    # On SIGTERM running runs get this long to finish before they are stopped.
    shutdown_grace_seconds: float = 30.0
    # History kept per schedule: the newest N runs, and none older than the age limit.
    retention_runs: int = 1000
    retention_days: int = 90
    prune_interval_seconds: int = 3600
    # SQLite: how long a write waits for a lock another process holds before it answers 503.
    busy_timeout_seconds: float = 30.0
    api_token: str | None = field(default=None, repr=False)
    # A token that opens GET /metrics only (besides the API token): what a Prometheus server
    # holds, so a leaked scrape config cannot change schedules.
    metrics_token: str | None = field(default=None, repr=False)
    # false: /metrics counts runs without the schedule label and leaves out the per-schedule
    # gauges, for stores of thousands of schedules (each has some 18 series; docs/metrics.md).
    metrics_per_schedule: bool = True
    # Signs the session cookie; default: generated once into <data_dir>/secret_key.
    secret_key: str | None = field(default=None, repr=False)
    # Send the session cookie over HTTPS only: set it when a TLS proxy is in front.
    cookie_secure: bool = False
    # Open connections the HTTP server holds at once (idle ones included; past it new ones wait
    # in the listen backlog), and how long a connection may sit idle before it is closed. A
    # waiting connection costs a socket, never a thread: threads serve requests only.
    http_connection_limit: int = 1000
    http_idle_timeout_seconds: int = 30
    # Server variables a job inherits; TICKWORK_* never passes (see job_env_allowlist()).
    job_env_allowlist: tuple[str, ...] = DEFAULT_JOB_ENV_ALLOWLIST
    # Where people reach the page, for the links in notifications (a proxy's address, say);
    # unset: http://host:port as served.
    public_url: str | None = None
    # false: notifications are still written to the outbox, but nothing is sent (a staging
    # copy of production must not page anybody).
    notifications_enabled: bool = True
    # A failed send is tried again after notify_retry_seconds * 2^(n-1), at most
    # notify_retry_max_seconds, and given up after notify_max_attempts attempts.
    notify_retry_seconds: float = 30.0
    notify_retry_max_seconds: float = 3600.0
    notify_max_attempts: int = 10
    # More than notify_rate_limit messages to one channel within notify_rate_window_seconds:
    # the rest wait, merged into one digest sent at the window's end.
    notify_rate_limit: int = 5
    notify_rate_window_seconds: float = 60.0
    # How long one send may take before it counts as failed.
    notify_timeout_seconds: float = 30.0
    # Schedule health (tickwork/health.py, docs/configuration.md). Failing after this many
    # final failures in a row: 2, so one flaky run does not page anybody, two in a row do.
    health_failures: int = 2
    # A cron run that starts more than this long after its instant is late.
    health_late_seconds: int = 60
    # A running run is stuck past this while its schedule has too few successful runs to say
    # what its usual time is (with them: 3 x their p95, at least p95 + 10 min).
    health_stuck_seconds: int = 3600
    # A fire with no run is looked for only once it is this old: a fire being claimed, or
    # an armed run starting, is not missed.
    health_missed_grace_seconds: int = 120
    # How often the scheduler looks for stuck runs and missed fires.
    health_check_interval_seconds: float = 30.0
    # The weekly report (notify/weekly_report.py): the channel (id or name) that gets it,
    # and when, in UTC: report_weekday 0 is Monday. No channel: no report is sent.
    report_channel: str | None = None
    report_weekday: int = 0
    report_hour: int = 8

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'tickwork.db').resolve()}"

    @property
    def registry_path(self) -> Path | None:
        if self.workflows is not None:
            return self.workflows
        return DEMO_REGISTRY if DEMO_REGISTRY.exists() else None

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def page_url(self) -> str:
        """The page's address for links that leave the server (notifications)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def _coerce(name: str, raw: Any) -> Any:
    kind = {f.name: f.type for f in fields(Settings)}[name]
    try:
        # int() would take `true` as 1 and truncate 2.5 to 2 without a word.
        if isinstance(raw, bool) and kind in ("int", "float"):
            raise TypeError(raw)
        if kind == "int":
            if isinstance(raw, float):
                raise TypeError(raw)
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind in ("Path", "Path | None"):
            return Path(raw)
        if kind == "bool":
            return as_bool(name, raw)
        if kind == "tuple[str, ...]":
            return env_allowlist(name, raw)
        return str(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"setting {name}: cannot use {raw!r}") from None


def as_bool(name: str, value: object) -> bool:
    """A boolean setting that may arrive as text from the environment or the config file."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"setting {name}: cannot use {value!r}")


def env_allowlist(name: str, raw: object) -> tuple[str, ...]:
    """Names from a comma-separated string (the environment) or a list (the config file).

    A name of tickwork's own (TICKWORK_*: settings, the token, the database URL) is refused
    rather than dropped quietly: whoever listed it meant a job to see it, and it must not.
    """
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise TypeError(raw)
    names = tuple(n for n in (i.strip() for i in items) if n)
    for entry in names:
        if not _ENV_NAME.fullmatch(entry):
            raise ConfigError(f"setting {name}: {entry!r} is not a variable name")
        if _names_own_setting(entry):
            raise ConfigError(
                f"setting {name}: {entry!r} would hand tickwork's own settings "
                "(TICKWORK_*) to jobs; set what a job needs in its workflow's env"
            )
    return names


def _names_own_setting(entry: str) -> bool:
    upper = entry.upper()
    if upper.startswith("TICKWORK_"):
        return True
    # A family such as TICK* would take them all in; the bare "*" is allowed and still
    # cannot reach them, since the executor drops TICKWORK_* whatever the list says.
    return entry.endswith("*") and entry != "*" and "TICKWORK_".startswith(upper[:-1])


def load_settings(
    overrides: dict[str, Any] | None = None,
    config_file: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Settings from file, then environment (`TICKWORK_<NAME>`), then `overrides` (flags)."""
    env = os.environ if environ is None else environ
    names = [f.name for f in fields(Settings)]
    values: dict[str, Any] = {}
    path = config_file or (Path(env["TICKWORK_CONFIG"]) if "TICKWORK_CONFIG" in env else None)
    if path is None and Path("tickwork.toml").exists():
        path = Path("tickwork.toml")
    if path is not None:
        try:
            loaded = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"config file {path}: {exc}") from None
        unknown = set(loaded) - set(names)
        if unknown:
            raise ConfigError(f"config file {path}: unknown settings {sorted(unknown)}")
        values.update(loaded)
    for name in names:
        if (raw := env.get(f"TICKWORK_{name.upper()}")) not in (None, ""):
            values[name] = raw
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    settings = replace(Settings(), **{k: _coerce(k, v) for k, v in values.items()})
    if not 0 <= settings.fire_lead_seconds <= MAX_FIRE_LEAD_SECONDS:
        raise ConfigError(
            f"setting fire_lead_seconds: {settings.fire_lead_seconds} is not between 0 and "
            f"{MAX_FIRE_LEAD_SECONDS} (a fire claimed a minute early would overlap the last)"
        )
    _check_notify(settings)
    _check_health(settings)
    if not 0 <= settings.report_weekday <= 6 or not 0 <= settings.report_hour <= 23:
        raise ConfigError(
            "setting report_weekday must be 0 (Monday) to 6 and report_hour 0 to 23, "
            f"not {settings.report_weekday} and {settings.report_hour}"
        )
    if settings.resource_sample_seconds < 0:
        raise ConfigError("setting resource_sample_seconds: must be 0 (off) or more")
    return settings


def _check_notify(settings: Settings) -> None:
    url = settings.public_url
    if url and not re.match(r"https?://[^/\s]+(/\S*)?$", url):
        raise ConfigError(f"setting public_url: {url!r} is not an http:// or https:// address")
    for name in ("notify_max_attempts", "notify_rate_limit"):
        if getattr(settings, name) < 1:
            raise ConfigError(f"setting {name}: must be at least 1")
    for name in (
        "notify_retry_seconds",
        "notify_retry_max_seconds",
        "notify_rate_window_seconds",
        "notify_timeout_seconds",
    ):
        if not getattr(settings, name) > 0:
            raise ConfigError(f"setting {name}: must be more than 0")


def _check_health(settings: Settings) -> None:
    """Bounds of the health settings: a count of zero or a negative time would make every
    schedule unhealthy at once, or none ever."""
    bounds = {
        "health_failures": (settings.health_failures, 1),
        "health_late_seconds": (settings.health_late_seconds, 1),
        "health_stuck_seconds": (settings.health_stuck_seconds, 1),
        "health_missed_grace_seconds": (settings.health_missed_grace_seconds, 0),
        "health_check_interval_seconds": (settings.health_check_interval_seconds, 1),
    }
    for name, (value, least) in bounds.items():
        if value < least:
            raise ConfigError(f"setting {name}: {value} is less than {least}")
