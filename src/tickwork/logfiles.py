"""The names of a run's log files, shared by the executor that writes them and the store that
prunes them (neither imports the other).

A run's output goes to one capped log file per run, under its schedule's directory, and which of
its bytes came from stderr is kept in a companion file beside it. Whatever removes a run
removes all of `run_log_files`.
"""

from __future__ import annotations

from pathlib import Path


def run_log_path(logs_dir: Path, schedule_id: str, run_id: int) -> Path:
    """Where the log of run `run_id` of `schedule_id` is written."""
    return logs_dir / schedule_id / f"{run_id}.log"


def streams_path(log_path: Path) -> Path:
    """Where the stderr ranges of the log at `log_path` are kept."""
    return log_path.with_name(log_path.name + ".streams")


def run_log_files(log_path: Path) -> tuple[Path, Path]:
    """Every file a run's log at `log_path` consists of."""
    return log_path, streams_path(log_path)
