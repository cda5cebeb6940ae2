"""The `tickwork` command: serve, export, import, backup, restore and user (`tickwork --help`
lists them)."""

from __future__ import annotations

import gc
import ipaddress
import json
import logging
import resource
import shlex
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import click
from sqlalchemy import inspect, make_url
from sqlalchemy.exc import DatabaseError

from tickwork.auth import audit, users
from tickwork.auth.roles import ROLES
from tickwork.config import Settings, load_settings
from tickwork.errors import ConfigError, TickworkError, ValidationFailed
from tickwork.runtime import Runtime, prepare_data_dir
from tickwork.store.db import Store

log = logging.getLogger("tickwork")
T = TypeVar("T")
# Request threads; event streams may hold up to half of them (EventBus caps them at 16).
HTTP_THREADS = 32
# Open files besides HTTP connections: database connections, run logs and pipes, the data dir.
FILES_RESERVED = 512


def _settings(ctx: click.Context, **overrides: Any) -> Settings:
    try:
        return load_settings(overrides, ctx.obj.get("config"))
    except ConfigError as exc:
        raise click.ClickException(exc.message) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="TOML config file (default ./tickwork.toml when present; env TICKWORK_CONFIG).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail.")
@click.version_option(package_name="tickwork")
@click.pass_context
def main(ctx: click.Context, config: Path | None, verbose: bool) -> None:
    """tickwork runs workflow commands on cron schedules and shows them in a web page.

    Settings come from flags, then TICKWORK_* environment variables, then the config file.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    ctx.obj = {"config": config}


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@main.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1; env TICKWORK_HOST).")
@click.option(
    "--port", type=int, help="Port (default 8000, 0 picks a free one; env TICKWORK_PORT)."
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Data directory: database, logs, schedules.json (default ./data).",
)
@click.option(
    "--workflows",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Workflow registry, JSON or TOML (default: the demo in examples/).",
)
@click.option("--database-url", help="SQLAlchemy URL, e.g. postgresql://host/db (default SQLite).")
@click.option("--max-concurrent-runs", type=int, help="Run slots: runs at once (default 256).")
@click.pass_context
def serve(ctx: click.Context, /, **flags: Any) -> None:
    """Serve the API and web page, fire schedules and execute runs, all in one process."""
    settings = _settings(ctx, **flags)
    if not _is_loopback(settings.host) and not _auth_configured(settings):
        raise click.ClickException(
            f"refusing to listen on {settings.host}: without authentication anyone who can reach "
            "it could run your workflows. Set TICKWORK_API_TOKEN, add a user "
            "(tickwork user add NAME --role admin), or listen on 127.0.0.1."
        )
    import waitress

    from tickwork.app import create_app

    runtime = _start(settings)
    _allow_open_files(settings.http_connection_limit + FILES_RESERVED)
    server = waitress.create_server(  # type: ignore[attr-defined]
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        threads=HTTP_THREADS,
        # Idle clients hold sockets, not threads; their number is capped well above the
        # threads, and an idle one is closed after the timeout (checked every few seconds).
        connection_limit=settings.http_connection_limit,
        channel_timeout=settings.http_idle_timeout_seconds,
        cleanup_interval=max(1, min(10, settings.http_idle_timeout_seconds // 2)),
        ident="tickwork",
    )
    # What start-up made (the app, 10,000 scheduler jobs, the registry) lives as long as the
    # process: kept out of the collector's full passes, which otherwise walked it all in the
    # middle of a request now and then (50-100 ms at 10,000 schedules).
    gc.freeze()
    port = getattr(server, "effective_port", settings.port)
    click.echo(f"tickwork serving on http://{settings.host}:{port}/  (API docs: /api/v1/docs)")
    sys.stdout.flush()

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    # Said, not inherited: a shell starts a background job with SIGINT ignored (and Python
    # then installs no handler of its own), which made Ctrl-C and `kill -INT` do nothing.
    signal.signal(signal.SIGINT, stop)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        log.info("shutting down")
        server.close()
        runtime.stop()


def _allow_open_files(needed: int) -> None:
    """Raise the soft limit on open files towards `needed` (as far as the hard limit lets us):
    the connection limit is worth nothing if accept() fails with EMFILE first."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < needed:
        log.warning(
            "open-file limit %d is below the %d that http_connection_limit needs", want, needed
        )


def _auth_configured(settings: Settings) -> bool:
    """A token is set or a user exists; looked up without creating or migrating anything."""
    if settings.api_token:
        return True
    url = make_url(settings.db_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return False
    store = Store(settings.db_url)
    try:
        return inspect(store.engine).has_table("users") and users.exist(store)
    except DatabaseError as exc:
        raise click.ClickException(_store_failure(settings, exc)) from None
    finally:
        store.dispose()


def _start(settings: Settings, scheduler: bool = True) -> Runtime:
    try:
        runtime = Runtime(settings)
        runtime.start(scheduler=scheduler)
    except ConfigError as exc:
        raise click.ClickException(exc.message) from None
    except DatabaseError as exc:
        raise click.ClickException(_store_failure(settings, exc)) from None
    return runtime


def _store_failure(settings: Settings, exc: DatabaseError) -> str:
    """Which store could not be opened, why, and the commands that get the schedules back:
    a traceback from the driver says neither."""
    reason = str(exc.orig) if exc.orig is not None else str(exc)
    url = make_url(settings.db_url)
    data_dir = shlex.quote(str(settings.data_dir))
    if url.get_backend_name() != "sqlite" or not url.database:
        where = url.render_as_string(hide_password=True)
        return (
            f"the store {where} cannot be opened: {reason}\n"
            "Once it answers again tickwork starts as before. If its data is lost, point "
            "tickwork at an empty database and restore the schedules from the latest backup:\n"
            f"  tickwork restore latest --data-dir {data_dir} --database-url URL"
        )
    path = Path(url.database)
    broken = shlex.quote(f"{path}.broken")
    return (
        f"the store {path} cannot be opened: {reason}\n"
        "Set it aside and restore the schedules from the latest backup "
        "(the run history was in the broken file):\n"
        f"  mv {shlex.quote(str(path))} {broken}\n"
        f"  tickwork restore latest --data-dir {data_dir}\n"
        f"(`tickwork backup list --data-dir {data_dir}` shows every copy)"
    )


@main.command("export")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--database-url")
@click.pass_context
def export_cmd(ctx: click.Context, /, file: Path | None, **flags: Any) -> None:
    """Write all schedules as schedules.json to FILE (standard output without one)."""
    from tickwork import portable

    runtime = _start(_settings(ctx, **flags), scheduler=False)
    try:
        document = portable.export_document(runtime.service)
    finally:
        runtime.stop()
    if file is None:
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        portable.write_atomically(file, document)
        click.echo(f"exported {len(document['schedules'])} schedule(s) to {file}", err=True)


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--database-url")
@click.option("--workflows", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_context
def import_cmd(ctx: click.Context, /, file: Path, **flags: Any) -> None:
    """Import schedules.json from FILE: all of it, or nothing when anything is invalid."""
    from tickwork import portable

    runtime = _start(_settings(ctx, **flags), scheduler=False)
    try:
        result = portable.import_document(runtime.service, portable.load_file(file))
        audit.record(runtime.store, "cli", "schedule.import", "schedule", None, result.model_dump())
    except ValidationFailed as exc:
        lines = "\n".join(f"  {e.field}: {e.message}" for e in exc.errors)
        raise click.ClickException(f"{exc.message}\n{lines}") from None
    except TickworkError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        runtime.stop()
    click.echo(
        f"imported {result.total} schedule(s): {result.created} created, {result.updated} updated"
    )


# -- backups -------------------------------------------------------------------------------


@main.group()
def backup() -> None:
    """The copies of the schedules that tickwork keeps (schedules.json and data/backups)."""


@backup.command("list")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False))
@click.pass_context
def backup_list(ctx: click.Context, /, **flags: Any) -> None:
    """Every copy, newest first: its name (for `tickwork restore NAME`), time and size."""
    from tickwork import restore

    settings = _settings(ctx, **flags)
    found = restore.backups(settings.data_dir)
    if not found:
        raise click.ClickException(f"no backups in {settings.data_dir}")
    for copy in found:
        held = f"{copy.schedules} schedule(s)" if copy.readable else "unreadable"
        taken = copy.taken_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        click.echo(f"{copy.name:<52} {taken}  {held}")


@main.command("restore")
@click.argument("which", default="latest", metavar="[BACKUP|latest]")
@click.option("--yes", is_flag=True, help="Apply without asking.")
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
@click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--database-url")
@click.option("--workflows", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.pass_context
def restore_cmd(ctx: click.Context, /, which: str, yes: bool, dry_run: bool, **flags: Any) -> None:
    """Make the stored schedules those of a backup (default: the latest): validate it, show
    how many schedules would be added, changed and removed, then apply all or nothing."""
    from tickwork import restore

    settings = _settings(ctx, **flags)
    try:
        copy = restore.find(settings.data_dir, which)
    except TickworkError as exc:
        raise click.ClickException(exc.message) from None
    runtime = _start(settings, scheduler=False)
    try:
        try:
            plan = restore.plan(runtime.service, copy)
        except ValidationFailed as exc:
            lines = "\n".join(f"  {e.field}: {e.message}" for e in exc.errors)
            raise click.ClickException(
                f"{copy.name} cannot be restored: {exc.message}\n{lines}"
            ) from None
        except TickworkError as exc:
            raise click.ClickException(f"{copy.name} cannot be restored: {exc.message}") from None
        click.echo(f"{copy.name} ({copy.schedules} schedule(s)):")
        for title, names in (
            ("added", plan.added),
            ("changed", plan.changed),
            ("removed", plan.removed),
        ):
            click.echo(f"  {len(names)} {title}" + (f": {', '.join(names)}" if names else ""))
        click.echo(f"  {plan.unchanged} unchanged")
        if plan.empty:
            click.echo("the store already holds exactly these schedules; nothing to do")
            return
        if dry_run:
            return
        if plan.removed:
            click.echo("removed schedules lose their run history")
        if not yes and not _confirmed("apply?"):
            raise click.ClickException("nothing restored")
        note = audit.Note("cli", "schedule.restore", "schedule")
        try:
            restore.apply(runtime.service, plan, note)
        except TickworkError as exc:
            raise click.ClickException(f"nothing restored: {exc.message}") from None
    finally:
        runtime.stop()
    click.echo(f"restored {copy.name}")


def _confirmed(question: str) -> bool:
    """A yes from the terminal; no answer (no terminal, end of input) is a no."""
    try:
        return click.confirm(question, default=False)
    except click.Abort:
        return False


@main.command("openapi")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
def openapi_cmd(file: Path | None) -> None:
    """Write the API's OpenAPI document (as /api/v1/openapi.json serves it) to FILE or
    standard output: the page's API types are generated from it."""
    from tickwork.app import openapi_document

    text = json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if file is None:
        click.echo(text, nl=False)
    else:
        file.write_text(text)


# -- users ---------------------------------------------------------------------------------


def _store_options(command: Any) -> Any:
    """--data-dir and --database-url, as `export` takes them."""
    command = click.option("--database-url")(command)
    return click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False))(command)


@main.group()
def user() -> None:
    """Manage the users who log in to the web page (roles: viewer, operator, admin)."""


def _user_store(ctx: click.Context, flags: dict[str, Any]) -> Store:
    settings = _settings(ctx, **flags)
    prepare_data_dir(settings)
    store = Store(settings.db_url)
    store.migrate()
    return store


def _users_do(ctx: click.Context, flags: dict[str, Any], action: Callable[[Store], T]) -> T:
    """Run `action(store)` with the store open, answering tickwork errors as CLI errors."""
    store = _user_store(ctx, flags)
    try:
        return action(store)
    except TickworkError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        store.dispose()


def _read_password(from_stdin: bool) -> str:
    # Never a plain flag: it would stay in the shell history and in `ps` for everyone to see.
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


PASSWORD_STDIN = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input."
)
ROLE_CHOICE = click.Choice(ROLES)


@user.command("add")
@click.argument("name")
@click.option("--role", type=ROLE_CHOICE, required=True)
@PASSWORD_STDIN
@_store_options
@click.pass_context
def user_add(
    ctx: click.Context, /, name: str, role: str, password_stdin: bool, **flags: Any
) -> None:
    """Add user NAME with a role; the password is asked for (or read with --password-stdin)."""
    password = _read_password(password_stdin)

    def add(store: Store) -> None:
        users.add(store, name, password, role)
        audit.record(store, "cli", "user.create", "user", name, {"role": role})

    _users_do(ctx, flags, add)
    click.echo(f"added {name} ({role})")


@user.command("list")
@_store_options
@click.pass_context
def user_list(ctx: click.Context, /, **flags: Any) -> None:
    """List the users and their roles."""
    for found in _users_do(ctx, flags, users.all_users):
        click.echo(f"{found.username}\t{found.role}\t{found.created_at:%Y-%m-%d %H:%M}Z")


@user.command("remove")
@click.argument("name")
@_store_options
@click.pass_context
def user_remove(ctx: click.Context, /, name: str, **flags: Any) -> None:
    """Remove user NAME (never the last admin)."""

    def remove(store: Store) -> None:
        users.remove(store, name)
        audit.record(store, "cli", "user.delete", "user", name)

    _users_do(ctx, flags, remove)
    click.echo(f"removed {name}")


@user.command("set-role")
@click.argument("name")
@click.argument("role", type=ROLE_CHOICE)
@_store_options
@click.pass_context
def user_set_role(ctx: click.Context, /, name: str, role: str, **flags: Any) -> None:
    """Give user NAME another role (the last admin stays admin)."""

    def set_role(store: Store) -> None:
        users.change(store, name, role=role)
        audit.record(store, "cli", "user.update", "user", name, {"fields": ["role"], "role": role})

    _users_do(ctx, flags, set_role)
    click.echo(f"{name} is now {role}")


@user.command("set-password")
@click.argument("name")
@PASSWORD_STDIN
@_store_options
@click.pass_context
def user_set_password(ctx: click.Context, /, name: str, password_stdin: bool, **flags: Any) -> None:
    """Set a new password for user NAME; their sessions end."""
    password = _read_password(password_stdin)

    def set_password(store: Store) -> None:
        users.change(store, name, password=password)
        audit.record(store, "cli", "user.update", "user", name, {"fields": ["password"]})

    _users_do(ctx, flags, set_password)
    click.echo(f"password of {name} changed")
