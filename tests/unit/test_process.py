"""run_process with real subprocesses: outcomes, logs, timeouts, cancels and resource figures."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.tmpfs import fill, tmpfs
from tickwork.executor import process
from tickwork.executor.process import (
    RUN_TAG,
    Control,
    ProcessResult,
    ProcessSpec,
    run_process,
    stderr_ranges,
    terminate_tagged,
)

MiB = 1024 * 1024


def script(tmp_path: Path, code: str) -> list[str]:
    path = tmp_path / "job.py"
    path.write_text(textwrap.dedent(code))
    return [sys.executable, str(path)]


def spec(tmp_path: Path, argv: list[str], **overrides: Any) -> ProcessSpec:
    base = ProcessSpec(
        argv=argv,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        timeout_seconds=60.0,
        log_path=tmp_path / "logs" / "run.log",
        log_max_bytes=MiB,
        tail_bytes=4096,
        kill_grace_seconds=5.0,
    )
    return replace(base, **overrides)


def run(tmp_path: Path, code: str, **overrides: Any) -> ProcessResult:
    return run_process(spec(tmp_path, script(tmp_path, code), **overrides), Control())


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.02)


def log_says(path: Path, text: str) -> Callable[[], bool]:
    return lambda: path.exists() and text.encode() in path.read_bytes()


def gone(pid: int) -> bool:
    """Dead, or a zombie that only waits for its new parent to reap it."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def background() -> Iterator[Callable[[ProcessSpec, Control], Future[ProcessResult]]]:
    pool = ThreadPoolExecutor(max_workers=2)
    controls: list[Control] = []

    def start(process: ProcessSpec, control: Control) -> Future[ProcessResult]:
        controls.append(control)
        return pool.submit(run_process, process, control)

    yield start
    for control in controls:  # a test that failed half-way leaves no 300 s sleeper behind
        control.cancel()
    pool.shutdown(wait=True)


# Outcomes


def test_it_captures_stdout_and_stderr_of_a_successful_run(tmp_path):
    result = run(
        tmp_path,
        """
        import sys
        print("hello from stdout")
        print("hello from stderr", file=sys.stderr)
        print("last line")
        """,
    )
    assert (result.outcome, result.exit_code, result.error) == ("success", 0, None)
    log = (tmp_path / "logs" / "run.log").read_text()
    assert "hello from stdout" in log and "hello from stderr" in log
    # Two pipes: lines written at once on both keep their order within each stream only.
    lines = result.output_tail.splitlines()
    assert lines.index("hello from stdout") < lines.index("last line")
    assert "hello from stderr" in lines and result.output_tail.endswith("\n")
    assert result.finished_at >= result.started_at


def test_it_runs_in_the_working_dir_with_the_given_env(tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = run(
        tmp_path,
        """
        import os
        print("cwd", os.getcwd())
        print("value", os.environ["TICKWORK_TEST_VALUE"])
        """,
        cwd=workdir,
        env={**os.environ, "TICKWORK_TEST_VALUE": "forty two"},
    )
    assert result.outcome == "success"
    assert f"cwd {workdir}\n" in result.output_tail
    assert "value forty two\n" in result.output_tail


def test_a_non_zero_exit_is_a_failure_with_its_code(tmp_path):
    result = run(tmp_path, "import sys\nprint('about to fail')\nsys.exit(3)\n")
    assert (result.outcome, result.exit_code) == ("failed", 3)
    assert result.error is not None and "3" in result.error
    assert "about to fail" in result.output_tail


def test_a_child_killed_by_a_signal_is_a_failure_naming_the_signal(tmp_path):
    result = run(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    assert (result.outcome, result.exit_code) == ("failed", -signal.SIGKILL)
    assert result.error is not None and str(int(signal.SIGKILL)) in result.error


def test_a_command_that_does_not_exist_could_not_start(tmp_path):
    missing = tmp_path / "no-such-program"
    result = run_process(spec(tmp_path, [str(missing)]), Control())
    assert (result.outcome, result.exit_code) == ("failed", None)
    assert result.error is not None and "could not start" in result.error


def test_a_missing_working_dir_could_not_start(tmp_path):
    argv = script(tmp_path, "print('never')\n")
    result = run_process(spec(tmp_path, argv, cwd=tmp_path / "gone"), Control())
    assert result.outcome == "failed"
    assert result.error is not None and "could not start" in result.error


def test_an_env_value_no_process_can_take_could_not_start(tmp_path):
    argv = script(tmp_path, "print('never')\n")
    result = run_process(spec(tmp_path, argv, env={"BROKEN": "a\x00b"}), Control())
    assert result.outcome == "failed"
    assert result.error is not None and "could not start" in result.error


def test_it_reports_the_pid_when_the_process_starts(tmp_path):
    seen: list[int] = []
    control = Control()
    code = "import os\nprint(os.getpid())\n"
    result = run_process(spec(tmp_path, script(tmp_path, code)), control, on_start=seen.append)
    assert seen == [control.pid] == [int(result.output_tail)]


def test_a_failing_start_callback_leaves_no_process_behind(tmp_path):
    started: list[int] = []

    def record_then_fail(pid: int) -> None:
        started.append(pid)
        raise RuntimeError("the store is down")

    argv = script(tmp_path, "import time\ntime.sleep(300)\n")
    with pytest.raises(RuntimeError, match="the store is down"):
        run_process(
            spec(tmp_path, argv, kill_grace_seconds=0.5), Control(), on_start=record_then_fail
        )
    assert len(started) == 1 and gone(started[0])


def test_no_thread_left_to_watch_the_run_leaves_no_process_behind(tmp_path, monkeypatch):
    def refuse(self: object) -> None:
        raise RuntimeError("can't start new thread")

    seen: list[int] = []
    argv = script(tmp_path, "import time\ntime.sleep(300)\n")
    monkeypatch.setattr(process.threading.Thread, "start", refuse)
    with pytest.raises(RuntimeError, match="new thread"):
        run_process(spec(tmp_path, argv, kill_grace_seconds=0.5), Control(), on_start=seen.append)
    monkeypatch.undo()
    assert len(seen) == 1 and gone(seen[0])


# Timeout, cancel, and the whole process group


def test_a_timeout_kills_the_child_and_its_grandchild(tmp_path):
    result = run(
        tmp_path,
        """
        import subprocess, time
        grandchild = subprocess.Popen(["sleep", "300"])
        print(grandchild.pid, flush=True)
        time.sleep(300)
        """,
        timeout_seconds=1.0,
    )
    assert result.outcome == "timeout"
    assert result.error is not None and "timed out" in result.error
    grandchild = int(result.output_tail.split()[0])
    assert gone(grandchild)


def test_a_grandchild_left_behind_by_a_finished_child_is_stopped(tmp_path):
    result = run(
        tmp_path,
        """
        import subprocess
        grandchild = subprocess.Popen(["sleep", "300"])
        print(grandchild.pid, flush=True)
        """,
    )
    assert result.outcome == "success"
    assert gone(int(result.output_tail.split()[0]))


def test_cancel_from_another_thread_stops_the_run(tmp_path, background):
    process = spec(
        tmp_path, script(tmp_path, "import time\nprint('working', flush=True)\ntime.sleep(300)\n")
    )
    control = Control()
    running = background(process, control)
    wait_for(log_says(process.log_path, "working"), "the first line")
    control.cancel()
    result = running.result(timeout=30)
    assert result.outcome == "cancelled"
    assert result.error == "cancelled"
    assert result.exit_code == -signal.SIGTERM
    assert control.pid is not None and gone(control.pid)


def test_cancel_records_its_reason(tmp_path, background):
    process = spec(
        tmp_path, script(tmp_path, "import time\nprint('working', flush=True)\ntime.sleep(300)\n")
    )
    control = Control()
    running = background(process, control)
    wait_for(log_says(process.log_path, "working"), "the first line")
    control.cancel("server shutting down")
    result = running.result(timeout=30)
    assert (result.outcome, result.error) == ("cancelled", "server shutting down")


def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path, background):
    code = """
    import signal, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("ignoring SIGTERM", flush=True)
    time.sleep(300)
    """
    process = spec(tmp_path, script(tmp_path, code), kill_grace_seconds=0.3)
    control = Control()
    running = background(process, control)
    wait_for(log_says(process.log_path, "ignoring SIGTERM"), "the handler to be in place")
    control.cancel()
    result = running.result(timeout=30)
    assert result.outcome == "cancelled"
    assert result.exit_code == -signal.SIGKILL


# The log file and the output tail


def test_the_log_keeps_head_and_tail_and_says_how_much_it_cut(tmp_path):
    body = 5 * MiB
    cap = 64 * 1024
    result = run(
        tmp_path,
        f"""
        import sys
        sys.stdout.buffer.write(b"FIRST LINE\\n" + b"x" * {body} + b"\\nTHE END\\n")
        """,
        log_max_bytes=cap,
        tail_bytes=1024,
    )
    total = len(b"FIRST LINE\n") + body + len(b"\nTHE END\n")
    assert result.outcome == "success"
    log = (tmp_path / "logs" / "run.log").read_bytes()
    assert log.startswith(b"FIRST LINE\nxxx")
    assert log.endswith(b"xxx\nTHE END\n")
    markers = re.findall(rb"\n\[tickwork: (\d+) bytes of output cut here\]\n", log)
    assert markers == [b"%d" % (total - cap)]
    head, tail = re.split(rb"\n\[tickwork: \d+ bytes of output cut here\]\n", log)
    assert len(head) + len(tail) == cap
    assert set(head[len(b"FIRST LINE\n") :]) == {ord("x")}
    assert result.output_tail.endswith("x\nTHE END\n")
    assert len(result.output_tail.encode()) <= 1024


def test_a_log_under_the_cap_is_kept_whole_without_a_marker(tmp_path):
    result = run(tmp_path, "print('short and sweet')\n", log_max_bytes=64 * 1024)
    assert result.outcome == "success"
    assert (tmp_path / "logs" / "run.log").read_bytes() == b"short and sweet\n"


def test_the_tail_keeps_the_end_of_many_lines(tmp_path):
    result = run(tmp_path, "for i in range(20000):\n    print(f'line {i}')\n", tail_bytes=200)
    assert result.output_tail.endswith("line 19998\nline 19999\n")
    assert "line 0\n" not in result.output_tail
    assert len(result.output_tail.encode()) <= 200


def test_a_zero_tail_keeps_the_whole_log_and_no_tail(tmp_path):
    result = run(tmp_path, "for i in range(3):\n    print(f'line {i}')\n", tail_bytes=0)
    assert (result.outcome, result.output_tail) == ("success", "")
    assert (tmp_path / "logs" / "run.log").read_bytes() == b"line 0\nline 1\nline 2\n"


def test_output_that_is_not_utf8_does_not_break_the_run(tmp_path):
    raw = b"caf\xe9 \xff\xfe\x80 still fine\n"
    result = run(tmp_path, f"import sys\nsys.stdout.buffer.write({raw!r})\n")
    assert result.outcome == "success"
    assert (tmp_path / "logs" / "run.log").read_bytes() == raw
    assert "\ufffd" in result.output_tail
    assert result.output_tail.endswith(" still fine\n")


# Resource figures


def test_it_reports_the_peak_memory_of_the_child(tmp_path):
    result = run(
        tmp_path,
        """
        import time
        block = b"x" * (50 * 1024 * 1024)  # written, so the pages are really resident
        print("allocated", flush=True)
        time.sleep(1.2)
        print(len(block))
        """,
    )
    assert result.outcome == "success"
    assert result.peak_memory_bytes is not None
    assert result.peak_memory_bytes >= 40 * MiB
    assert isinstance(result.cpu_seconds, float) and result.cpu_seconds >= 0


def test_it_reports_the_cpu_time_of_the_child(tmp_path):
    result = run(
        tmp_path,
        """
        import time
        while time.process_time() < 0.3:
            pass
        """,
    )
    assert result.outcome == "success"
    assert result.cpu_seconds is not None and result.cpu_seconds >= 0.29


# Descendants that leave the process group


ESCAPER = """
import subprocess, sys, time
child = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(300)"],
    start_new_session=True, stdout=subprocess.DEVNULL,
)
print(f"escaped {child.pid}", flush=True)
time.sleep(300)
"""


def escaped_pid(tmp_path: Path) -> int:
    log = (tmp_path / "logs" / "run.log").read_text()
    return int(re.search(r"escaped (\d+)", log).group(1))  # type: ignore[union-attr]


def test_a_timeout_ends_a_descendant_in_a_session_of_its_own(tmp_path):
    tag = f"test-{tmp_path.name}/1"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", RUN_TAG: tag}
    result = run(tmp_path, ESCAPER, timeout_seconds=1.5, env=env, tag=tag, kill_grace_seconds=1)
    assert result.outcome == "timeout"
    pid = escaped_pid(tmp_path)
    wait_for(
        lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie",
        "the escaped descendant to end",
    )


def test_untagged_processes_are_left_alone(tmp_path):
    bystander = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"],
        env={**os.environ, RUN_TAG: "someone-else/1"},
        start_new_session=True,
    )
    try:
        assert terminate_tagged(f"test-{tmp_path.name}/1", grace=1) == []
        assert bystander.poll() is None
        assert terminate_tagged("someone-else/1", grace=1) == [bystander.pid]
        assert bystander.wait(timeout=10) is not None
    finally:
        if bystander.poll() is None:
            bystander.kill()
            bystander.wait()


# A full disk under the log


FLOOD_THEN_FINISH = """
import sys
sys.stdout.buffer.write(b"x" * 1023 + b"\\n")
sys.stdout.flush()
for _ in range(3 * 1024):
    sys.stdout.buffer.write(b"y" * 1023 + b"\\n")
print("job done", flush=True)
"""


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "disk", size="2m") as disk:
        yield disk


def test_a_full_disk_fails_the_run_yet_drains_and_reaps_the_child(tmp_path, small_disk):
    result = run(
        tmp_path,
        FLOOD_THEN_FINISH,
        log_path=small_disk / "logs" / "run.log",
        log_max_bytes=8 * MiB,
        timeout_seconds=30.0,  # an undrained pipe would block the child until this
    )
    assert (result.outcome, result.error) == ("failed", "no space left for its log")
    assert result.exit_code == 0
    assert result.cpu_seconds is not None
    assert result.output_tail.endswith("job done\n")  # the end is kept in memory all the same
    assert (small_disk / "logs" / "run.log").read_bytes().startswith(b"x" * 1023 + b"\n")


def test_a_disk_that_fills_at_the_cut_marker_fails_the_run(tmp_path, small_disk):
    # Room for the head of a 1 MiB log but not for its kept tail, written when the run ends.
    fill(small_disk / "filler", leave=900 * 1024)
    result = run(
        tmp_path,
        FLOOD_THEN_FINISH,
        log_path=small_disk / "run.log",
        log_max_bytes=MiB,
        timeout_seconds=30.0,
    )
    assert (result.outcome, result.error, result.exit_code) == (
        "failed",
        "no space left for its log",
        0,
    )


def test_a_log_that_cannot_be_created_fails_the_run_without_starting_it(tmp_path):
    marker = tmp_path / "started"
    code = f"open({str(marker)!r}, 'w').close()\n"
    with tmpfs(tmp_path / "disk", size="2m", inodes=4) as disk:
        for i in range(10):  # use up the file system's inodes
            try:
                (disk / f"f{i}").touch()
            except OSError:
                break
        result = run(tmp_path, code, log_path=disk / "logs" / "run.log")
    assert (result.outcome, result.exit_code) == ("failed", None)
    assert result.error == "no space left for its log"
    assert not marker.exists()


# Which bytes came from stderr


def stderr_text(log_path: Path) -> bytes:
    log = log_path.read_bytes()
    return b"".join(log[start:end] for start, end in stderr_ranges(log_path))


def lines_marked_right(log_path: Path, cut_start: int = -1, cut_end: int = -1) -> int:
    """Check that every whole line starting with e (or saying ERR) is marked stderr and no
    other byte is; the lines cut by the marker are partial and skipped. How many checked."""
    log = log_path.read_bytes()
    from_stderr = bytearray(len(log))
    for start, end in stderr_ranges(log_path):
        from_stderr[start:end] = b"\1" * (end - start)
    assert not any(from_stderr[max(cut_start, 0) : max(cut_end, 0)])
    checked = 0
    for found in re.finditer(rb"[^\n]*\n", log):
        line, at = found.group(), found.start()
        if cut_start - len(line) < at < cut_end + 1 or not line.strip():
            continue
        is_err = line.startswith(b"e") or b"ERR" in line
        assert set(from_stderr[at : found.end()]) == {int(is_err)}, (line, at)
        checked += 1
    return checked


def test_stderr_ranges_mark_exactly_the_stderr_bytes(tmp_path):
    run(
        tmp_path,
        """
        import sys, time
        for i in range(3):
            print(f"out {i}", flush=True)
            time.sleep(0.05)  # not to wait for anything: lets the pump see each line alone
            print(f"err {i}", file=sys.stderr, flush=True)
            time.sleep(0.05)
        """,
    )
    log_path = tmp_path / "logs" / "run.log"
    # Two pipes: the order between the streams is what the pump saw (on a loaded machine two
    # stdout lines may come in one read); within each stream it is exact.
    lines = log_path.read_bytes().splitlines(keepends=True)
    assert sorted(lines) == sorted(b"%s %d\n" % (k, i) for k in (b"out", b"err") for i in range(3))
    assert [line for line in lines if line.startswith(b"out")] == [
        b"out 0\n",
        b"out 1\n",
        b"out 2\n",
    ]
    assert stderr_text(log_path) == b"err 0\nerr 1\nerr 2\n"
    assert 1 <= len(stderr_ranges(log_path)) <= 3


def test_stderr_ranges_stay_right_across_the_cut_and_the_middle_is_dropped(tmp_path):
    # The job waits until its first stderr line is in the log: on a loaded machine the pump
    # may otherwise read a full pipe of stdout first, and the head would hold no stderr.
    result = run(
        tmp_path,
        f"""
        import sys, time
        from pathlib import Path
        print("HEAD ERR", file=sys.stderr, flush=True)
        log = Path({str(tmp_path / "logs" / "run.log")!r})
        while b"HEAD ERR" not in log.read_bytes():
            time.sleep(0.01)
        for i in range(20000):
            stream = sys.stderr if i % 2 else sys.stdout
            print(f"{{'e' if i % 2 else 'o'}}{{i:07d}}", file=stream, flush=True)
        print("TAIL ERR", file=sys.stderr, flush=True)
        """,
        log_max_bytes=64 * 1024,
    )
    assert result.outcome == "success"
    log_path = tmp_path / "logs" / "run.log"
    log = log_path.read_bytes()
    marker = re.search(rb"\n\[tickwork: \d+ bytes of output cut here\]\n", log)
    assert marker is not None
    err = stderr_text(log_path)
    assert err.startswith(b"HEAD ERR\n") and err.endswith(b"TAIL ERR\n")
    assert lines_marked_right(log_path, marker.start(), marker.end()) > 1000
    assert (tmp_path / "logs" / "run.log.streams").stat().st_size <= 2 * 8192 * 26


def test_a_log_without_a_streams_file_has_no_stderr_ranges(tmp_path):
    (tmp_path / "old.log").write_bytes(b"from before\n")
    assert stderr_ranges(tmp_path / "old.log") == []


def test_output_switching_streams_often_keeps_the_streams_file_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(process, "MAX_RANGES", 64)  # the bound, made small enough to reach
    result = run(
        tmp_path,
        """
        import os
        for i in range(60000):
            os.write(2 if i % 2 else 1, f"{'e' if i % 2 else 'o'}{i:07d}\\n".encode())
        """,
        log_max_bytes=5 * MiB,
    )
    assert result.outcome == "success"
    log_path = tmp_path / "logs" / "run.log"
    log = log_path.read_bytes()
    marker = re.search(rb"\n\[tickwork: \d+ bytes of output cut here\]\n", log)
    assert marker is not None  # the head ended at its 64th range, well before 5 MiB
    assert len(log) < MiB
    assert lines_marked_right(log_path, marker.start(), marker.end()) > 100
    assert len(stderr_ranges(log_path)) <= 2 * 64
    assert (tmp_path / "logs" / "run.log.streams").stat().st_size <= 2 * 64 * 26
