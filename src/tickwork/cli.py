"""The `tickwork` command: serve, export and import (`tickwork --help` lists them)."""

from __future__ import annotations

import ipaddress
import json
import logging
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import click

from tickwork.config import Settings, load_settings
from tickwork.errors import ConfigError, TickworkError, ValidationFailed
from tickwork.runtime import Runtime

log = logging.getLogger("tickwork")


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
@click.option("--max-concurrent-runs", type=int, help="Global limit on runs at once (default 4).")
@click.pass_context
def serve(ctx: click.Context, /, **flags: Any) -> None:
    """Serve the API and web page, fire schedules and execute runs, all in one process."""
    settings = _settings(ctx, **flags)
    if not _is_loopback(settings.host) and not settings.api_token:
        raise click.ClickException(
            f"refusing to listen on {settings.host}: without authentication anyone who can reach "
            "it could run your workflows. Set TICKWORK_API_TOKEN, or listen on 127.0.0.1."
        )
    import waitress

    from tickwork.app import create_app

    runtime = _start(settings)
    server = waitress.create_server(  # type: ignore[attr-defined]
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        threads=16,
        channel_timeout=300,
        ident="tickwork",
    )
    port = getattr(server, "effective_port", settings.port)
    click.echo(f"tickwork serving on http://{settings.host}:{port}/  (API docs: /api/v1/docs)")
    sys.stdout.flush()

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        log.info("shutting down")
        server.close()
        runtime.stop()


def _start(settings: Settings, scheduler: bool = True) -> Runtime:
    try:
        runtime = Runtime(settings)
        runtime.start(scheduler=scheduler)
    except ConfigError as exc:
        raise click.ClickException(exc.message) from None
    return runtime


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
