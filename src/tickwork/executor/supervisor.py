"""One thread that watches every process a server runs: their pipes, their exits, their
timeouts and cancels, their memory, and the descendants they leave behind.

A thread per process (or three, as before) costs little for four runs and everything for a
thousand: they fight for the GIL while other runs are being spawned. Here the caller spawns
(`launch`, in its own thread, at once) and one loop does the rest, never blocking:

- stdout and stderr are non-blocking pipes and each process has a pidfd, all in one selector;
  the exit is reaped with wait4 for its CPU time;
- timeouts, kill grace periods and the wait for pipes held by escaped descendants are timers
  on a heap (monotonic clock), SIGTERM first and SIGKILL when the grace is over;
- memory and the sweep for what a run left behind (its process group, and processes carrying
  its RUN_TAG in their environment) come from one pass over /proc, read a slice per turn of
  the loop, so a thousand runs cost one pass rather than a thousand, and no turn stalls;
- the same pass measures each run's tree (CPU, memory, processes) for its resource series
  (tickwork/resources.py) when its Control carries one: no thread or walk of its own.

`launch` raises LaunchError (carrying the failed ProcessResult to record) when the process
could not be started; otherwise `on_end` is called exactly once, from the loop thread, once
the process is reaped and its pipes are drained. Linux only: pidfd_open needs Linux 5.3.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from tickwork.executor.process import (
    CHUNK,
    PARTIAL_LINE_SECONDS,
    RUN_TAG,
    CappedLog,
    Control,
    Lines,
    ProcessResult,
    ProcessSpec,
    log_failure,
    signal_group,
)
from tickwork.resources import Meter, TreeUse

log = logging.getLogger(__name__)

MEMORY_SAMPLE_SECONDS = 0.5
# /proc entries read per turn of the loop: a pass over a thousand processes takes several
# turns, with the pipes served between them.
SCAN_PER_TURN = 128
# How often processes being ended are looked at, to end the wait as soon as they are gone.
DYING_CHECK_SECONDS = 0.05
# A launch this recent makes the loop wait (see _yield_to_launches).
LAUNCH_QUIET_SECONDS = 0.02
# Longer than a burst of a thousand spawns takes on two cores (about 1.3 s). At 0.1 s the loop
# woke in the middle of a hundred-run burst to drain and reap the first seventy, and the last
# thirty started late; at 1 s it did the same to the last third of a thousand (p99 1.41 s ->
# 1.16 s at 3 s). Only a steady stream of launches reaches the cap: then pipes and timeouts are
# looked at once every 3 s.
LAUNCH_YIELD_MAX_SECONDS = 3.0
INTERNAL_ERROR = "internal error in the executor; see server log"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
TAG_PREFIX = RUN_TAG.encode() + b"="


class LaunchError(Exception):
    """The process could not be started; `result` is the failed run to record."""

    def __init__(self, result: ProcessResult) -> None:
        super().__init__(result.error)
        self.result = result


@dataclass(eq=False)
class _Timer:
    """What a heap entry does; cancelled by dropping both, so an ended run is not kept alive
    by its timeout an hour away."""

    run: _Run | None
    action: Callable[[], None] | None


@dataclass(eq=False)
class _Run:
    spec: ProcessSpec
    control: Control
    on_end: Callable[[ProcessResult], None]
    log: CappedLog
    proc: subprocess.Popen[bytes]
    pidfd: int
    started: float
    pipes: dict[int, tuple[IO[bytes], Lines]] = field(default_factory=dict)
    exit_code: int | None = None
    cpu_seconds: float | None = None
    finished: float | None = None
    stopping: bool = False  # SIGTERM sent to its group
    grace: float = 0.0
    # After the exit: "wait" for a /proc pass, "dying" while what it left ends, then "done".
    cleanup: str = "none"
    dying: dict[int, int] = field(default_factory=dict)  # pid -> start time, to spot reuse
    kill_at: float = 0.0
    start_ticks: int = 0  # when the kernel started it (proc(5) starttime)
    waiting_pipes: bool = False  # for a descendant holding them: a timer ends the wait
    ended: bool = False
    timers: list[_Timer] = field(default_factory=list)
    meter: Meter | None = None  # its resource series' sampling, when it has one

    @property
    def pid(self) -> int:
        return self.proc.pid


@dataclass
class _Proc:
    """One line of /proc/<pid>/stat, the fields we use."""

    state: str
    ppid: int
    pgrp: int
    start: int
    rss_pages: int
    cpu_ticks: int  # utime + stime + cutime + cstime


class _Pass:
    """One walk over /proc, a slice at a time: every process's parent, group, state and
    resident size, and the RUN_TAG of those carrying one of `tags`.

    Environments are read only where an escaped descendant could be: a process younger than
    the oldest run in `batch`, not in the group of a run still going (setsid leaves it)."""

    def __init__(self, batch: list[_Run], going: set[int]) -> None:
        self.batch = batch  # runs that exited before the walk began: it finds their leftovers
        self.tags = {run.spec.tag.encode(): run.spec.tag for run in batch if run.spec.tag}
        self._since = min((run.start_ticks for run in batch), default=0)
        self._going = going
        self.procs: dict[int, _Proc] = {}
        self.tagged: dict[str, list[int]] = {}
        self._children: dict[int, list[int]] | None = None
        self._groups: dict[int, list[int]] | None = None
        self._pids: Iterator[int] = iter(
            sorted(int(name) for name in os.listdir("/proc") if name.isdigit())
        )
        self._me = os.getpid()

    def step(self) -> bool:
        """Read the next slice; whether the walk is over."""
        read = 0
        for pid in itertools.islice(self._pids, SCAN_PER_TURN):
            read += 1
            if pid == self._me or (proc := read_stat(pid)) is None:
                continue
            self.procs[pid] = proc
            if self._suspect(proc) and (tag := self._tag_of(pid)) is not None:
                self.tagged.setdefault(tag, []).append(pid)
        return read < SCAN_PER_TURN

    def _suspect(self, proc: _Proc) -> bool:
        return bool(self.tags) and (
            proc.state != "Z" and proc.start >= self._since and proc.pgrp not in self._going
        )

    def _tag_of(self, pid: int) -> str | None:
        try:
            environ = _read(f"/proc/{pid}/environ")
        except OSError:
            return None
        for entry in environ.split(b"\0"):
            if entry.startswith(TAG_PREFIX):
                return self.tags.get(entry[len(TAG_PREFIX) :])
        return None

    def group(self, pgid: int) -> list[int]:
        """The live (not zombie) processes of group `pgid`."""
        if self._groups is None:
            self._groups = {}
            for pid, proc in self.procs.items():
                if proc.state != "Z":
                    self._groups.setdefault(proc.pgrp, []).append(pid)
        return self._groups.get(pgid, [])

    def tree(self, root: int) -> TreeUse:
        """What `root` and its descendants use: memory, CPU ticks, live processes."""
        if self._children is None:
            self._children = {}
            for pid, proc in self.procs.items():
                self._children.setdefault(proc.ppid, []).append(pid)
        children = self._children
        rss = ticks = live = 0
        todo, seen = [root], set()
        while todo:
            pid = todo.pop()
            if pid in seen or pid not in self.procs:
                continue
            seen.add(pid)
            proc = self.procs[pid]
            rss += proc.rss_pages * PAGE_SIZE
            ticks += proc.cpu_ticks
            live += proc.state != "Z"
            todo.extend(children.get(pid, ()))
        return TreeUse(rss, ticks, live)


def read_stat(pid: int) -> _Proc | None:
    try:
        fields = _read(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # Fields 3, 4, 5, 22 and 24 of proc(5), counted from the state after the command's ")",
    # and 14 to 17 (utime, stime, cutime, cstime): CPU a parent keeps once it reaped a child.
    return _Proc(
        fields[0].decode(),
        int(fields[1]),
        int(fields[2]),
        int(fields[19]),
        int(fields[21]),
        sum(int(tick) for tick in fields[11:15]),
    )


def _read(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


class Supervisor:
    """Watches every process it launched, from one thread. Use it as a context manager, or
    call `stop` when done; `start=False` defers the thread to `start()`."""

    def __init__(self, *, start: bool = True, name: str = "tickwork-supervisor") -> None:
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._lock = threading.Lock()
        self._incoming: list[_Run] = []
        self._pokes: list[_Run] = []
        self._woken = False
        self._stopping = False
        self._stop_reason = "stopped"
        self._stop_grace: float | None = None
        self._runs: set[_Run] = set()
        self._timers: list[tuple[float, int, _Timer]] = []
        self._seq = itertools.count()
        self._pass: _Pass | None = None
        self._cleanup_wait: list[_Run] = []
        self._next_sample = 0.0
        self._pass_every = MEMORY_SAMPLE_SECONDS
        self._next_partials = 0.0
        self._last_launch = 0.0
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._closed = False
        if start:
            self.start()

    # The caller's side

    def start(self) -> None:
        self._thread.start()

    def launch(
        self, spec: ProcessSpec, control: Control, on_end: Callable[[ProcessResult], None]
    ) -> int:
        """Spawn `spec` now, in this thread, and hand it to the loop; its pid. Raises
        LaunchError when it could not start (its log could not be opened, no such program,
        no permission, a bad working directory or environment); on_end is not called then."""
        with self._lock:
            if self._stopping:
                raise RuntimeError("the supervisor is stopped")
        self._last_launch = time.monotonic()
        started = time.time()
        try:
            log_file = CappedLog(
                spec.log_path, spec.log_max_bytes, spec.tail_bytes, spec.log_prepared
            )
        except OSError as exc:
            # Not started: a run whose output cannot be kept would leave nothing to go by.
            raise LaunchError(
                ProcessResult("failed", None, started, time.time(), "", log_failure(exc))
            ) from exc
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
            tail = log_file.close()
            raise LaunchError(
                ProcessResult("failed", None, started, time.time(), tail, f"could not start: {exc}")
            ) from exc
        try:
            pidfd = os.pidfd_open(proc.pid)
        except OSError as exc:  # out of descriptors: nothing could see it end
            _kill_now(proc)
            tail = log_file.close()
            raise LaunchError(
                ProcessResult("failed", None, started, time.time(), tail, f"could not start: {exc}")
            ) from exc
        run = _Run(spec, control, on_end, log_file, proc, pidfd, started)
        for pipe, stream in ((proc.stdout, "stdout"), (proc.stderr, "stderr")):
            assert pipe is not None
            os.set_blocking(pipe.fileno(), False)
            run.pipes[pipe.fileno()] = (pipe, Lines(stream))
        control.pid = proc.pid
        control.wake = lambda: self._poke(run)
        with self._lock:
            refused = self._stopping  # stopped while it spawned: the loop may be gone
            if not refused:
                self._incoming.append(run)
        if refused:
            self._discard(run)
            raise RuntimeError("the supervisor is stopped")
        self._wake()
        return proc.pid

    def stop(self, grace: float | None = None, reason: str = "stopped") -> None:
        """Cancel everything still running (with `reason`), SIGKILL after `grace` seconds (or
        each run's own kill grace, if shorter), wait for every on_end, end the thread.
        Not from an on_end: that runs in the thread this waits for."""
        with self._lock:
            self._stopping = True
            self._stop_reason, self._stop_grace = reason, grace
        if not self._thread.is_alive() and self._thread.ident is None:
            if not self._incoming:
                self._close()
                return
            self._thread.start()  # launched but never started: the loop ends them
        self._wake()
        self._thread.join()
        self._close()

    def abandon(self) -> None:
        """End at once what was launched before start(): for a caller whose start failed."""
        with self._lock:
            runs, self._incoming = self._incoming, []
            self._stopping = True
        for run in runs:
            self._discard(run)
        self._close()

    def _discard(self, run: _Run) -> None:
        """End a launched run that no loop will watch: kill, reap, close."""
        _kill_now(run.proc)
        for pipe, _ in run.pipes.values():
            pipe.close()
        os.close(run.pidfd)
        run.log.close()

    def __enter__(self) -> Supervisor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _poke(self, run: _Run) -> None:
        with self._lock:
            self._pokes.append(run)
        self._wake()

    def _wake(self) -> None:
        with self._lock:
            if self._woken or self._closed:
                return
            self._woken = True
        with contextlib.suppress(BlockingIOError):  # full: the loop is due to read it anyway
            os.write(self._wake_w, b"\0")

    def _close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._selector.close()
        os.close(self._wake_r)
        os.close(self._wake_w)

    # The loop

    def _loop(self) -> None:
        while True:
            self._yield_to_launches()
            for key, _ in self._selector.select(self._timeout()):
                if key.data is None:
                    self._drain_wake()
                else:
                    run, what = key.data
                    self._guard(run, self._ready, run, what)
            if self._take_news():
                return
            now = time.monotonic()
            self._fire_timers(now)
            self._scan(now)
            self._check_dying(now)
            self._flush_partials(now)

    def _yield_to_launches(self) -> None:
        """Stay off the GIL while a caller is spawning, a few ms at a time: a burst starts on
        time only if its spawns do not wait for us; output and exits keep in the kernel
        meanwhile. At most LAUNCH_YIELD_MAX_SECONDS in a row, so a steady stream of launches
        cannot starve timeouts and pipes."""
        began = time.monotonic()
        while time.monotonic() - self._last_launch < LAUNCH_QUIET_SECONDS:
            if time.monotonic() - began >= LAUNCH_YIELD_MAX_SECONDS:
                return
            time.sleep(LAUNCH_QUIET_SECONDS)  # each wake-up takes the GIL from the spawner

    def _timeout(self) -> float | None:
        with self._lock:
            if self._incoming or self._pokes:
                return 0
        if self._pass is not None:
            return 0
        now = time.monotonic()
        due: list[float] = [when for when, _, _ in self._timers[:1]]
        if any(run.exit_code is None for run in self._runs):
            due.append(self._next_sample)
        if self._cleanup_wait:
            return 0
        if any(run.cleanup == "dying" for run in self._runs):
            due.append(now + DYING_CHECK_SECONDS)
        if any(run.pipes for run in self._runs):
            due.append(now + PARTIAL_LINE_SECONDS)
        return max(0.0, min(due) - now) if due else None

    def _drain_wake(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self._wake_r, 4096):
                pass

    def _take_news(self) -> bool:
        """Register new runs and act on cancels; whether the loop is done (stopped, empty)."""
        with self._lock:
            self._woken = False
            incoming, self._incoming = self._incoming, []
            pokes, self._pokes = self._pokes, []
            stopping = self._stopping
        for run in incoming:
            self._guard(run, self._register, run)
        for run in pokes:
            self._guard(run, self._check_cancel, run)
        if stopping:
            for run in list(self._runs):
                if run.exit_code is None and not run.control.cancelled.is_set():
                    run.control.cancel(self._stop_reason)
                self._guard(run, self._check_cancel, run)
        return stopping and not self._runs and not incoming

    def _register(self, run: _Run) -> None:
        self._runs.add(run)
        self._selector.register(run.pidfd, selectors.EVENT_READ, (run, "exit"))
        for fd in run.pipes:
            self._selector.register(fd, selectors.EVENT_READ, (run, fd))
        deadline = time.monotonic() + run.spec.timeout_seconds
        self._at(run, deadline, lambda: self._time_out(run))
        proc = read_stat(run.pid)
        if proc is not None:  # a first figure, for runs shorter than a pass
            run.start_ticks = proc.start
            run.control.peak_memory_bytes = max(
                run.control.peak_memory_bytes or 0, proc.rss_pages * PAGE_SIZE
            )
        if run.control.resources is not None:
            ticks = proc.cpu_ticks if proc is not None else 0
            run.meter = Meter(run.control.resources, time.monotonic(), ticks)
        self._check_cancel(run)  # cancelled before it reached us: no wake-up came for it

    def _time_out(self, run: _Run) -> None:
        if run.exit_code is None:  # one that exited in time and waits for its pipes did not
            run.control.cancel("timeout")

    def _ready(self, run: _Run, what: Any) -> None:
        if what == "exit":
            self._exited(run)
            return
        pipe, lines = run.pipes[what]
        try:
            chunk = os.read(what, CHUNK)
        except BlockingIOError:
            return
        if chunk:
            run.log.write(lines.feed(chunk), lines.stream)
            return
        self._close_pipe(run, what)
        self._maybe_end(run)

    def _close_pipe(self, run: _Run, fd: int) -> None:
        pipe, lines = run.pipes.pop(fd)
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(fd)
        pipe.close()
        run.log.write(lines.due(), lines.stream)

    def _check_cancel(self, run: _Run) -> None:
        if run.stopping or run.exit_code is not None or not run.control.cancelled.is_set():
            return
        run.stopping = True
        run.grace = run.spec.kill_grace_seconds
        if self._stop_grace is not None:
            run.grace = min(run.grace, self._stop_grace)
        signal_group(run.pid, signal.SIGTERM)
        self._at(run, time.monotonic() + run.grace, lambda: self._kill_group(run))

    def _kill_group(self, run: _Run) -> None:
        if run.exit_code is None:
            signal_group(run.pid, signal.SIGKILL)

    def _exited(self, run: _Run) -> None:
        pid, status, usage = os.wait4(run.pid, os.WNOHANG)
        if pid == 0:
            return  # not yet (a stop or continue woke the pidfd)
        run.finished = time.time()
        run.proc.returncode = run.exit_code = os.waitstatus_to_exitcode(status)
        run.cpu_seconds = round(usage.ru_utime + usage.ru_stime, 3)
        self._selector.unregister(run.pidfd)
        os.close(run.pidfd)
        run.pidfd = -1
        run.grace = run.spec.kill_grace_seconds
        if self._stop_grace is not None:
            run.grace = min(run.grace, self._stop_grace)
        if run.spec.tag is None and not _group_exists(run.pid):
            run.cleanup = "done"  # alone in its group, and nothing to look for by tag
            self._maybe_end(run)
        else:
            run.cleanup = "wait"
            self._cleanup_wait.append(run)

    # /proc: memory, and what exited runs left behind

    def _scan(self, now: float) -> None:
        if self._pass is None:
            running = any(run.exit_code is None for run in self._runs)
            if not self._cleanup_wait and not (running and now >= self._next_sample):
                return
            batch, self._cleanup_wait = self._cleanup_wait, []
            going = {run.pid for run in self._runs if run.exit_code is None}
            self._pass = _Pass(batch, going)
            self._next_sample = now + self._pass_every
        if not self._pass.step():
            return
        done, self._pass = self._pass, None
        read_at, wall = time.monotonic(), time.time()
        every = MEMORY_SAMPLE_SECONDS
        for run in list(self._runs):
            if run.exit_code is None:
                self._guard(run, self._sample, run, done, read_at, wall)
                if run.meter is not None:
                    # Passes at least as often as the shortest interval asks for.
                    every = min(every, run.meter.series.interval)
        self._pass_every = every
        for run in done.batch:
            self._guard(run, self._sweep, run, done)

    def _sample(self, run: _Run, walk: _Pass, now: float, wall: float) -> None:
        use = walk.tree(run.pid)
        run.control.peak_memory_bytes = max(run.control.peak_memory_bytes or 0, use.rss_bytes)
        if run.meter is not None:
            run.meter.read(now, wall, use)

    def _sweep(self, run: _Run, walk: _Pass) -> None:
        """SIGTERM what the run left: its group, and processes carrying its tag."""
        left = set(walk.group(run.pid))
        if run.spec.tag:
            left.update(walk.tagged.get(run.spec.tag, ()))
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
            run.dying[pid] = walk.procs[pid].start
        run.cleanup = "dying" if run.dying else "done"
        run.kill_at = time.monotonic() + run.grace
        self._maybe_end(run)

    def _check_dying(self, now: float) -> None:
        for run in [run for run in self._runs if run.cleanup == "dying"]:
            self._guard(run, self._dying, run, now)

    def _dying(self, run: _Run, now: float) -> None:
        for pid, start in list(run.dying.items()):
            proc = read_stat(pid)
            if proc is None or proc.state == "Z" or proc.start != start:
                del run.dying[pid]
        if run.dying and now >= run.kill_at:
            for pid in run.dying:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            run.dying.clear()
        if not run.dying:
            run.cleanup = "done"
            self._maybe_end(run)

    # Ends

    def _maybe_end(self, run: _Run) -> None:
        if run.ended or run.cleanup != "done":
            return
        if run.pipes:
            if not run.waiting_pipes:
                # A descendant that left the group may still hold the pipe; not for ever.
                run.waiting_pipes = True
                self._at(run, time.monotonic() + run.grace, lambda: self._give_up_pipes(run))
            return
        self._end(run)

    def _give_up_pipes(self, run: _Run) -> None:
        for fd in list(run.pipes):
            self._close_pipe(run, fd)
        self._maybe_end(run)

    def _end(self, run: _Run) -> None:
        run.ended = True
        self._forget(run)
        tail = run.log.close()
        result = ProcessResult(
            outcome="success" if run.exit_code == 0 else "failed",
            exit_code=run.exit_code,
            started_at=run.started,
            finished_at=run.finished or time.time(),
            output_tail=tail,
            cpu_seconds=run.cpu_seconds,
            peak_memory_bytes=run.control.peak_memory_bytes,
        )
        _judge(result, run)
        self._deliver(run, result)

    def _forget(self, run: _Run) -> None:
        self._runs.discard(run)
        for timer in run.timers:
            timer.run = timer.action = None
        run.timers.clear()
        run.control.wake = None

    def _deliver(self, run: _Run, result: ProcessResult) -> None:
        try:
            run.on_end(result)
        except Exception:
            log.exception("on_end of process %s failed", run.pid)

    def _guard(self, run: _Run, action: Callable[..., None], *args: Any) -> None:
        """Run one step for one process; a bug there ends that process, not the loop."""
        if run.ended:
            return
        try:
            action(*args)
        except Exception:
            log.exception("supervising process %s failed", run.pid)
            self._break(run)

    def _break(self, run: _Run) -> None:
        """End a run whose supervision failed: kill its group, close what it holds, reap it
        when it can be reaped now, and report it failed."""
        run.ended = True
        with contextlib.suppress(Exception):
            signal_group(run.pid, signal.SIGKILL)
        for fd in list(run.pipes):
            with contextlib.suppress(Exception):
                self._selector.unregister(fd)
            with contextlib.suppress(Exception):
                run.pipes.pop(fd)[0].close()
        if run.pidfd >= 0:
            with contextlib.suppress(Exception):
                self._selector.unregister(run.pidfd)
            with contextlib.suppress(Exception):
                os.close(run.pidfd)
            run.pidfd = -1
            with contextlib.suppress(Exception):
                _kill_now(run.proc)  # SIGKILL sent: the wait is short
        with contextlib.suppress(Exception):
            self._forget(run)
        self._runs.discard(run)
        tail = ""
        with contextlib.suppress(Exception):
            tail = run.log.close()
        result = ProcessResult(
            "failed", run.exit_code, run.started, time.time(), tail, INTERNAL_ERROR
        )
        self._deliver(run, result)

    # Timers

    def _at(self, run: _Run, when: float, action: Callable[[], None]) -> None:
        timer = _Timer(run, action)
        run.timers.append(timer)
        heapq.heappush(self._timers, (when, next(self._seq), timer))

    def _fire_timers(self, now: float) -> None:
        while self._timers and self._timers[0][0] <= now:
            _, _, timer = heapq.heappop(self._timers)
            run, action = timer.run, timer.action
            if run is None or action is None:
                continue  # its run ended
            timer.run = timer.action = None
            self._guard(run, action)
            if not run.ended:
                self._guard(run, self._check_cancel, run)

    def _flush_partials(self, now: float) -> None:
        if now < self._next_partials:
            return
        self._next_partials = now + PARTIAL_LINE_SECONDS / 4
        for run in list(self._runs):
            for _, lines in run.pipes.values():
                if data := lines.due(now):
                    self._guard(run, run.log.write, data, lines.stream)


def _judge(result: ProcessResult, run: _Run) -> None:
    """The outcome and error of an ended run, as a run's record has always told them."""
    code, control = result.exit_code, run.control
    if control.cancelled.is_set():
        result.outcome = "timeout" if control.reason == "timeout" else "cancelled"
        result.error = (
            f"timed out after {run.spec.timeout_seconds:g} s"
            if result.outcome == "timeout"
            else control.reason
        )
    elif run.log.error is not None:
        # Its output is partly lost, whatever the exit code: not a success to rely on.
        result.outcome, result.error = "failed", log_failure(run.log.error)
    elif code is not None and code != 0:
        result.error = f"exited with code {code}" if code > 0 else f"killed by signal {-code}"


def _group_exists(pgid: int) -> bool:
    """Whether any process (a zombie too) is in the group: one cheap syscall."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_now(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the group of a process no loop watches, and reap it."""
    signal_group(proc.pid, signal.SIGKILL)
    proc.wait()
