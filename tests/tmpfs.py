"""A real small file system for disk-full tests: a tmpfs of a given size, unmounted after."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def tmpfs(where: Path, size: str = "2m", inodes: int | None = None) -> Iterator[Path]:
    """Mount a tmpfs of `size` (and at most `inodes` files) at `where` for the block's length."""
    where.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (f",nr_inodes={inodes}" if inodes else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        # Lazy: a straggler still holding a file must not leave the mount behind.
        subprocess.run(["umount", "-l", str(where)], check=True)


def fill(path: Path, leave: int = 0) -> int:
    """Write zeros to `path` until the file system has about `leave` bytes free; the size."""
    written = 0
    block = b"\0" * 4096
    with path.open("wb", buffering=0) as handle:
        try:
            while free_bytes(path) > leave + len(block):
                written += handle.write(block) or 0
        except OSError:  # full before the goal: that is full enough
            pass
    return written


def fill_up(disk: Path) -> Path:
    """Take every free byte of `disk`; delete the returned file to give them back."""
    filler = disk / "filler"
    fill(filler)
    return filler


def free_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize
