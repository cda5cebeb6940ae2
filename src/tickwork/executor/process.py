"""One subprocess, start to finish: argv without a shell, its own process group, output
captured to a capped log file, a timeout and a cancel that reach grandchildren too.

No database here: the caller records what `run_process` reports. CPU time comes from wait4's
rusage (the child and the descendants it waited for). Peak memory is sampled with psutil over
the whole process tree: rusage's maxrss would report the server's own size, since Linux keeps
the high-water mark of the image the child had before exec.
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import signal
import subprocess
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

CHUNK = 64 * 1024
MEMORY_SAMPLE_SECONDS = 0.5
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

    def cancel(self, reason: str = "cancelled") -> None:
        self.reason = reason
        self.cancelled.set()


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

    def __init__(self, path: Path, limit: int, tail: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("wb")
        self._streams_path = streams_path(path)
        self._streams_path.unlink(missing_ok=True)  # a stale one would mislabel this log
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
            if self._file.closed or not chunk:  # a straggler after the run was recorded
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
    started = time.time()
    try:
        log = CappedLog(spec.log_path, spec.log_max_bytes, spec.tail_bytes)
    except OSError as exc:
        # Not started: a run whose output cannot be kept would leave nothing to go by.
        return ProcessResult("failed", None, started, time.time(), "", log_failure(exc))
    try:
        proc = subprocess.Popen(
            spec.argv,
            cwd=spec.cwd,
            env=spec.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so a kill reaches grandchildren
        )
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in argv or env
        tail = log.close()
        return ProcessResult("failed", None, started, time.time(), tail, f"could not start: {exc}")
    control.pid = proc.pid
    assert proc.stdout is not None and proc.stderr is not None
    pipes = [(proc.stdout, "stdout"), (proc.stderr, "stderr")]
    exited = threading.Event()
    reader = threading.Thread(target=_pump, args=(pipes, log), daemon=True)
    watcher = threading.Thread(
        target=_watch, args=(proc.pid, spec, control, time.monotonic(), exited), daemon=True
    )
    try:
        if on_start:
            on_start(proc.pid)
        reader.start()
        watcher.start()
    except BaseException:
        # Nothing would watch, time out or reap a process whose start was not recorded, or
        # whose threads could not start.
        terminate_group(proc.pid, spec.kill_grace_seconds)
        proc.wait()
        if not reader.is_alive():  # else it drains to the end, now that the group is gone
            for pipe, _ in pipes:
                pipe.close()
        log.close()
        raise
    _, status, usage = os.wait4(proc.pid, 0)
    exited.set()
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    finished = time.time()
    _reap_group(proc.pid, spec.kill_grace_seconds)  # descendants that outlived the child
    if spec.tag:
        terminate_tagged(spec.tag, spec.kill_grace_seconds)  # and those that left the group
    # A descendant that left the group may still hold the pipe; do not wait for it forever.
    reader.join(timeout=spec.kill_grace_seconds)
    tail = log.close()
    result = ProcessResult(
        outcome="success" if code == 0 else "failed",
        exit_code=code,
        started_at=started,
        finished_at=finished,
        output_tail=tail,
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 3),
        peak_memory_bytes=control.peak_memory_bytes,
    )
    if control.cancelled.is_set():
        result.outcome = "timeout" if control.reason == "timeout" else "cancelled"
        result.error = (
            f"timed out after {spec.timeout_seconds:g} s"
            if result.outcome == "timeout"
            else control.reason
        )
    elif log.error is not None:
        # Its output is partly lost, whatever the exit code: not a success to rely on.
        result.outcome, result.error = "failed", log_failure(log.error)
    elif code != 0:
        result.error = f"exited with code {code}" if code > 0 else f"killed by signal {-code}"
    return result


class _Lines:
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


def _pump(pipes: list[tuple[BinaryIO, str]], log: CappedLog) -> None:
    """Drain stdout and stderr into the one log, in the order lines arrived."""
    with selectors.DefaultSelector() as selector:
        for pipe, stream in pipes:
            selector.register(pipe, selectors.EVENT_READ, _Lines(stream))
        while selector.get_map():
            for key, _ in selector.select(timeout=PARTIAL_LINE_SECONDS):
                lines: _Lines = key.data
                if chunk := os.read(key.fd, CHUNK):
                    log.write(lines.feed(chunk), lines.stream)
                    continue
                selector.unregister(key.fileobj)
                key.fileobj.close()  # type: ignore[union-attr]
                log.write(lines.due(), lines.stream)
            now = time.monotonic()
            for key in list(selector.get_map().values()):
                log.write(key.data.due(now), key.data.stream)


def _watch(
    pid: int, spec: ProcessSpec, control: Control, started: float, exited: threading.Event
) -> None:
    """Stop the group on timeout or cancel, sampling memory meanwhile; returns quietly when
    the process ends first. `started` is monotonic: a wall-clock step must not time a run out."""
    deadline = started + spec.timeout_seconds
    next_sample = 0.0
    while not control.cancelled.wait(timeout=0.05):
        if exited.is_set():
            return
        now = time.monotonic()
        if now >= next_sample:
            control.peak_memory_bytes = max(control.peak_memory_bytes or 0, _tree_rss(pid))
            next_sample = now + MEMORY_SAMPLE_SECONDS
        if now >= deadline:
            control.cancel("timeout")
    if not exited.is_set():
        terminate_group(pid, spec.kill_grace_seconds)


def _tree_rss(pid: int) -> int:
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for proc in tree:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total


def terminate_group(pgid: int, grace: float) -> None:
    """SIGTERM to the whole group, SIGKILL to whatever is left after `grace` seconds."""
    if not _signal_group(pgid, signal.SIGTERM):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _group_alive(pgid):
            return
        time.sleep(0.05)
    _signal_group(pgid, signal.SIGKILL)


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


def _reap_group(pgid: int, grace: float) -> None:
    if _group_alive(pgid):
        terminate_group(pgid, grace)


def _signal_group(pgid: int, sig: signal.Signals) -> bool:
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
