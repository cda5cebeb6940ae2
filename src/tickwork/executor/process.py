"""One subprocess, start to finish: argv without a shell, its own process group, output
captured to a capped log file, a timeout and a cancel that reach grandchildren too.

The parts each run needs live here (the spec, the result, the control, the capped log, the
group and tag helpers); executor/supervisor.py watches any number of runs from one thread,
and `run_process` is the blocking form of one run over it.

No database here: the caller records what a run reports. CPU time comes from wait4's rusage
(the child and the descendants it waited for). Peak memory is sampled from /proc over the
whole process tree: rusage's maxrss would report the server's own size, since Linux keeps
the high-water mark of the image the child had before exec.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import psutil

# Named in tickwork.logfiles, beside the log name, so that pruning need not import the executor.
from tickwork.logfiles import streams_path as streams_path
from tickwork.resources import Series

CHUNK = 64 * 1024
RUN_TAG = "TICKWORK_RUN_TAG"
TAIL_KEEP_MAX = 1024 * 1024
# Stream switches recorded per log (head and kept tail each): bounds the sidecar and memory.
MAX_RANGES = 8192
RANGE_RECORD = len(b"000000000000 000000000000\n")
# Parts of one stream shorter than this are joined in the tail buffer.
JOIN_BELOW = 4096
# A line still unfinished after this long is logged as it is, so a prompt shows up live.
PARTIAL_LINE_SECONDS = 0.2


@dataclass
class ProcessSpec:
    argv: list[str]
    cwd: Path | None
    env: dict[str, str]
    timeout_seconds: float
    log_path: Path
    log_max_bytes: int
    tail_bytes: int
    kill_grace_seconds: float = 5.0
    # Set in the run's environment as RUN_TAG; finds descendants that left the process group.
    tag: str | None = None
    # The log file was made ready ahead (prepare_log), so the spawn does no file work first.
    log_prepared: bool = False


def prepare_log(path: Path) -> None:
    """Make `path` an empty log with no stale streams file beside it, its directory made.
    Raises OSError when it cannot be: a run without a log never starts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.open("wb").close()  # created (or emptied) now
    streams_path(path).unlink(missing_ok=True)  # a stale one would mislabel this log


@dataclass
class ProcessResult:
    outcome: str  # success | failed | timeout | cancelled
    exit_code: int | None
    started_at: float
    finished_at: float
    output_tail: str
    error: str | None = None
    cpu_seconds: float | None = None
    peak_memory_bytes: int | None = None


@dataclass
class Control:
    """Handed to whoever may stop the run (cancel, replace, shutdown) while it goes."""

    cancelled: threading.Event = field(default_factory=threading.Event)
    pid: int | None = None
    reason: str = "cancelled"
    peak_memory_bytes: int | None = None
    # The run's resource use over time, fed by the supervisor's passes over /proc; None: not
    # sampled (a run of recovery's, say).
    resources: Series | None = field(default=None, repr=False, compare=False)
    # Set by the supervisor that runs it: tells its loop at once, rather than at its next look.
    wake: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def cancel(self, reason: str = "cancelled") -> None:
        self.reason = reason
        self.cancelled.set()
        if self.wake is not None:
            self.wake()


class CappedLog:
    """A log file of at most about `limit` bytes that keeps the head and the tail of the output.

    The first part is written as it comes, so the log can be followed live; once that is full,
    only the last `tail_keep` bytes are held (in memory, bounded) and written after a marker
    saying how much was cut. A process printing gigabytes costs neither disk nor memory beyond
    those bounds. `tail` bytes of the very end are also kept for the run's `output_tail`.

    Which bytes came from stderr is written beside it (`streams_path`): one fixed-width record
    `start end` per range of file offsets, the last one widened in place while stderr goes on,
    so a live reader sees them too. At most MAX_RANGES ranges are kept for the head; output
    switching streams more often than that ends the head early, as a full head does, so that
    every range in the file stays right.
    """

    def __init__(self, path: Path, limit: int, tail: int, prepared: bool = False) -> None:
        if not prepared:  # else prepare_log did it ahead of the spawn
            prepare_log(path)
        # Opened again at the first byte: a burst of runs that have printed nothing yet holds
        # no descriptor for them, and every descriptor the server holds slows each fork.
        self._path = path
        self._file: BinaryIO | None = None
        self._closed = False
        self._streams_path = streams_path(path)
        self._streams: BinaryIO | None = None  # opened with the first stderr range
        self._ranges: list[tuple[int, int]] = []
        self._tail_keep = min(limit // 4, TAIL_KEEP_MAX)
        self._head_room = limit - self._tail_keep
        self._head_open = True
        self._head = 0  # bytes written as the head; while it is open, all seen so far
        self._seen = 0
        self._end = _Ring(max(self._tail_keep, tail))
        self._tail_max = tail
        # The first failed write (a full disk): output is dropped from then on, never raised
        # into the pump, which must go on draining the pipe or the child blocks on it.
        self.error: OSError | None = None
        self._lock = threading.Lock()  # a straggling pump against close()

    def write(self, chunk: bytes, stream: str = "stdout") -> None:
        with self._lock:
            if self._closed or not chunk:  # a straggler after the run was recorded
                return
            head = chunk[: max(0, self._head_room - self._seen)] if self._head_open else b""
            if head and stream == "stderr" and not self._widens(self._head):
                if len(self._ranges) >= MAX_RANGES:
                    head = b""  # one more range would be too many: the head ends here
            if head:
                self._write(head)
                if stream == "stderr":
                    self._mark(self._head, self._head + len(head))
                self._head += len(head)
            if len(head) < len(chunk):
                self._head_open = False
            self._seen += len(chunk)
            self._end.add(chunk, stream)

    def close(self) -> str:
        with self._lock:
            rest = self._seen - self._head
            if rest:
                kept = self._end.last(min(rest, self._tail_keep))
                at, cut = self._head, rest - sum(len(part) for part, _ in kept)
                if cut:
                    marker = f"\n[tickwork: {cut} bytes of output cut here]\n".encode()
                    self._write(marker)
                    at += len(marker)
                for part, stream in kept:
                    self._write(part)
                    if stream == "stderr":
                        self._mark(at, at + len(part))
                    at += len(part)
            self._closed = True
            for handle in (self._file, self._streams):
                if handle is not None:
                    self._close(handle)
        end = self._end.value()
        return end[-self._tail_max :].decode("utf-8", "replace") if self._tail_max else ""

    def _widens(self, at: int) -> bool:
        return bool(self._ranges) and self._ranges[-1][1] == at

    def _mark(self, start: int, end: int) -> None:
        """Record [start, end) as stderr: widen the last record when it ends at `start`."""
        if self.error is not None:
            return
        try:
            if self._streams is None:
                self._streams = self._streams_path.open("wb")
            if self._widens(start):
                start = self._ranges.pop()[0]
                self._streams.seek(len(self._ranges) * RANGE_RECORD)
            self._ranges.append((start, end))
            self._streams.write(f"{start:012d} {end:012d}\n".encode())
            self._streams.flush()
        except OSError as exc:
            self.error = exc

    def _write(self, data: bytes) -> None:
        if self.error is not None:
            return
        try:
            if self._file is None:
                self._file = self._path.open("ab")
            self._file.write(data)
            self._file.flush()
        except OSError as exc:
            self.error = exc

    def _close(self, handle: BinaryIO) -> None:
        try:
            handle.close()  # flushes; should that fail, the descriptor is closed all the same
        except OSError as exc:
            self.error = self.error or exc
            with contextlib.suppress(OSError):
                handle.close()


def stderr_ranges(log_path: Path) -> list[tuple[int, int]]:
    """The byte ranges [start, end) of the log that came from stderr, in order; none for a log
    written before streams were told apart. A record being widened just now may read torn:
    it is skipped, and the next read has it."""
    try:
        raw = streams_path(log_path).read_bytes()
    except OSError:
        return []
    ranges: list[tuple[int, int]] = []
    for line in raw.split(b"\n"):
        fields = line.split()
        if len(fields) == 2 and all(f.isdigit() for f in fields):
            start, end = int(fields[0]), int(fields[1])
            if start < end and (not ranges or start >= ranges[-1][1]):
                ranges.append((start, end))
    return ranges


class _Ring:
    """The last `size` bytes of a stream, each part tagged with the stream it came from.

    Small parts of one stream are joined, so a line-by-line writer costs few parts; at most
    MAX_RANGES parts are held, so output switching streams byte by byte keeps memory bounded
    (and keeps fewer than `size` bytes then)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._parts: deque[tuple[bytes, str]] = deque()
        self._len = 0

    def add(self, chunk: bytes, stream: str = "stdout") -> None:
        if self._size == 0 or not chunk:
            return
        if self._parts and self._parts[-1][1] == stream and len(self._parts[-1][0]) < JOIN_BELOW:
            previous, _ = self._parts.pop()
            self._len -= len(previous)
            chunk = previous + chunk
        chunk = chunk[-self._size :]
        self._parts.append((chunk, stream))
        self._len += len(chunk)
        while self._len - len(self._parts[0][0]) >= self._size or len(self._parts) > MAX_RANGES:
            self._len -= len(self._parts.popleft()[0])

    def value(self) -> bytes:
        return b"".join(part for part, _ in self._parts)[-self._size :] if self._size else b""

    def last(self, count: int) -> list[tuple[bytes, str]]:
        """The last `count` bytes (or as many as held) as (bytes, stream) parts, in order."""
        taken: list[tuple[bytes, str]] = []
        for part, stream in reversed(self._parts):
            if count <= 0:
                break
            taken.append((part[-count:], stream))
            count -= len(taken[-1][0])
        return taken[::-1]


def log_failure(exc: OSError) -> str:
    """What a run's error says when its log could not be written."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "no space left for its log"
    return f"could not write its log: {exc.strerror or exc}"


def run_process(
    spec: ProcessSpec, control: Control, on_start: Callable[[int], None] | None = None
) -> ProcessResult:
    """Run one process to its end and return how it ended: a blocking wrapper over a
    Supervisor of its own, for callers that give each run a thread (recovery, older code).

    Its own, not a shared one: the supervisor's thread starts only after `on_start` has
    recorded the pid, so a failing record or a thread that cannot start leaves no process
    behind, and nothing is left running once this returns."""
    from tickwork.executor.supervisor import LaunchError, Supervisor  # it builds on this module

    ended: list[ProcessResult] = []
    done = threading.Event()

    def on_end(result: ProcessResult) -> None:
        ended.append(result)
        done.set()

    supervisor = Supervisor(start=False)
    try:
        pid = supervisor.launch(spec, control, on_end)
    except LaunchError as exc:
        return exc.result
    try:
        if on_start:
            on_start(pid)
        supervisor.start()
    except BaseException:
        # Nothing would watch, time out or reap a process whose start was not recorded, or
        # whose thread could not start.
        supervisor.abandon()
        raise
    done.wait()
    supervisor.stop()
    return ended[0]


class Lines:
    """One stream's output cut at line ends, so that stdout and stderr interleave by lines
    rather than by whatever the pipes happened to hold."""

    def __init__(self, stream: str) -> None:
        self.stream = stream
        self._partial = b""
        self._since = 0.0

    def feed(self, chunk: bytes) -> bytes:
        """What of `chunk` (after what was held) is ready for the log."""
        data = self._partial + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0 and len(data) < CHUNK:
            if not self._partial:
                self._since = time.monotonic()
            self._partial = data
            return b""
        cut = cut or len(data)
        self._partial, self._since = data[cut:], time.monotonic()
        return data[:cut]

    def due(self, now: float | None = None) -> bytes:
        """The unfinished line, once it waited long enough (or at once with `now` None)."""
        if not self._partial or (now is not None and now - self._since < PARTIAL_LINE_SECONDS):
            return b""
        data, self._partial = self._partial, b""
        return data


def terminate_group(pgid: int, grace: float) -> None:
    """SIGTERM to the whole group, SIGKILL to whatever is left after `grace` seconds."""
    if not signal_group(pgid, signal.SIGTERM):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _group_alive(pgid):
            return
        time.sleep(0.05)
    signal_group(pgid, signal.SIGKILL)


def run_tag(instance: str, run_id: int) -> str:
    return f"{instance}/{run_id}"


def terminate_tagged(tag: str, grace: float) -> list[int]:
    """End every process whose environment carries RUN_TAG=`tag`: the run's descendants,
    including those that started a session of their own (setsid, daemons) and so escaped the
    process group. A process that cleared its environment is beyond this; a cgroup per run
    would not be."""
    tagged = []
    for proc in psutil.process_iter():
        try:
            if proc.pid != os.getpid() and proc.environ().get(RUN_TAG) == tag:
                tagged.append(proc)
        except psutil.Error:
            continue
    for proc in tagged:
        with contextlib.suppress(psutil.Error):
            proc.terminate()
    _, alive = psutil.wait_procs(tagged, timeout=grace)
    for proc in alive:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    return [p.pid for p in tagged]


def signal_group(pgid: int, sig: signal.Signals) -> bool:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _group_alive(pgid: int) -> bool:
    """Whether any process other than zombies remains in the group."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False
