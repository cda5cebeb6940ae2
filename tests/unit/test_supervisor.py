"""The Supervisor with real subprocesses: many runs from one thread, their ends, their kills."""

from __future__ import annotations

import os
import re
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.unit.test_process import gone, log_says, wait_for
from tickwork.executor import supervisor as supervising
from tickwork.executor.process import Control, ProcessResult, ProcessSpec
from tickwork.executor.supervisor import INTERNAL_ERROR, LaunchError, Supervisor
from tickwork.resources import Sample, Series

MiB = 1024 * 1024


class Ends:
    """Collects on_end calls by key; waits on events, never on sleeps."""

    def __init__(self) -> None:
        self.results: dict[str, list[ProcessResult]] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.threads_seen: list[int] = []

    def callback(self, key: str) -> Any:
        def on_end(result: ProcessResult) -> None:
            with self._lock:
                self.results.setdefault(key, []).append(result)
                self.threads_seen.append(threading.active_count())
                self._changed.notify_all()

        return on_end

    def wait(self, *keys: str, timeout: float = 60.0) -> list[ProcessResult]:
        with self._lock:
            ok = self._changed.wait_for(lambda: all(k in self.results for k in keys), timeout)
            assert ok, f"gave up waiting for {[k for k in keys if k not in self.results]}"
            return [self.results[k][0] for k in keys]


def make_spec(tmp_path: Path, argv: list[str], name: str = "run", **overrides: Any) -> ProcessSpec:
    base = ProcessSpec(
        argv=argv,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        timeout_seconds=60.0,
        log_path=tmp_path / "logs" / f"{name}.log",
        log_max_bytes=MiB,
        tail_bytes=4096,
        kill_grace_seconds=5.0,
    )
    return replace(base, **overrides)


def python(tmp_path: Path, code: str, name: str = "job") -> list[str]:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(code))
    return [sys.executable, str(path)]


@pytest.fixture
def supervisor() -> Iterator[Supervisor]:
    with Supervisor() as running:
        yield running


@pytest.fixture
def ends() -> Ends:
    return Ends()


def test_many_runs_at_once_each_end_with_their_own_output_from_one_thread(
    tmp_path, supervisor, ends
):
    count = 200
    before = threading.active_count()
    for i in range(count):
        argv = ["/bin/sh", "-c", 'echo "job $0 out"; echo "job $0 err" >&2; sleep 0.3', str(i)]
        supervisor.launch(make_spec(tmp_path, argv, f"r{i}"), Control(), ends.callback(str(i)))
    ends.threads_seen.append(threading.active_count())
    results = ends.wait(*(str(i) for i in range(count)))
    assert [r.outcome for r in results] == ["success"] * count
    for i, result in enumerate(results):
        log = (tmp_path / "logs" / f"r{i}.log").read_text()
        assert sorted(log.splitlines()) == [f"job {i} err", f"job {i} out"]
        assert f"job {i} out\n" in result.output_tail
    assert all(len(ends.results[str(i)]) == 1 for i in range(count))  # on_end once each
    # The supervisor's loop thread, however many run: not three threads per run.
    assert max(ends.threads_seen) <= before + 1


def test_the_pid_is_returned_and_set_on_the_control(tmp_path, supervisor, ends):
    control = Control()
    pid = supervisor.launch(
        make_spec(tmp_path, python(tmp_path, "import os\nprint(os.getpid())\n")),
        control,
        ends.callback("a"),
    )
    (result,) = ends.wait("a")
    assert pid == control.pid == int(result.output_tail)


def test_a_timeout_ends_the_child_and_its_grandchild(tmp_path, supervisor, ends):
    code = """
    import subprocess, time
    grandchild = subprocess.Popen(["sleep", "300"])
    print(grandchild.pid, flush=True)
    time.sleep(300)
    """
    spec = make_spec(tmp_path, python(tmp_path, code), timeout_seconds=1.0)
    supervisor.launch(spec, Control(), ends.callback("a"))
    (result,) = ends.wait("a")
    assert (result.outcome, result.error) == ("timeout", "timed out after 1 s")
    assert gone(int(result.output_tail.split()[0]))


def test_a_cancel_ends_the_child_and_its_grandchild(tmp_path, supervisor, ends):
    code = """
    import subprocess, time
    grandchild = subprocess.Popen(["sleep", "300"])
    print("grandchild", grandchild.pid, flush=True)
    time.sleep(300)
    """
    spec = make_spec(tmp_path, python(tmp_path, code))
    control = Control()
    supervisor.launch(spec, control, ends.callback("a"))
    wait_for(log_says(spec.log_path, "grandchild"), "the grandchild to start")
    control.cancel("replaced by a newer run")
    (result,) = ends.wait("a")
    assert (result.outcome, result.error) == ("cancelled", "replaced by a newer run")
    assert control.pid is not None and gone(control.pid)
    assert gone(int(result.output_tail.split()[1]))
    control.cancel()  # after its end: nothing more happens
    assert len(ends.results["a"]) == 1


def test_a_cancel_before_the_loop_sees_the_run_still_stops_it(tmp_path, supervisor, ends):
    control = Control()
    control.cancel()
    spec = make_spec(tmp_path, python(tmp_path, "import time\ntime.sleep(300)\n"))
    supervisor.launch(spec, control, ends.callback("a"))
    (result,) = ends.wait("a")
    assert result.outcome == "cancelled"


def test_a_job_that_closes_its_output_early_is_watched_until_it_exits(tmp_path, supervisor, ends):
    code = """
    import os, time
    print("before closing", flush=True)
    os.close(1)
    os.close(2)
    time.sleep(0.5)
    open("still-running", "w").close()
    raise SystemExit(3)
    """
    supervisor.launch(make_spec(tmp_path, python(tmp_path, code)), Control(), ends.callback("a"))
    (result,) = ends.wait("a")
    assert (result.outcome, result.exit_code) == ("failed", 3)
    assert (tmp_path / "still-running").exists()
    assert result.output_tail == "before closing\n"


def test_a_fast_flood_of_output_is_capped_and_keeps_its_end(tmp_path, supervisor, ends):
    code = """
    import sys
    sys.stdout.buffer.write(b"FIRST\\n" + b"x" * (8 * 1024 * 1024) + b"\\nLAST\\n")
    """
    spec = make_spec(tmp_path, python(tmp_path, code), log_max_bytes=64 * 1024, tail_bytes=100)
    supervisor.launch(spec, Control(), ends.callback("a"))
    (result,) = ends.wait("a")
    assert result.outcome == "success"
    log = spec.log_path.read_bytes()
    assert log.startswith(b"FIRST\nxxx") and log.endswith(b"xxx\nLAST\n")
    assert re.search(rb"\[tickwork: \d+ bytes of output cut here\]", log)
    assert len(log) < 65 * 1024
    assert result.output_tail.endswith("x\nLAST\n")


def test_an_unfinished_line_shows_up_in_the_log_while_the_job_waits(tmp_path, supervisor, ends):
    code = """
    import os, sys, time
    sys.stdout.write("Continue? ")
    sys.stdout.flush()
    while not os.path.exists("answer"):
        time.sleep(0.02)
    """
    spec = make_spec(tmp_path, python(tmp_path, code))
    supervisor.launch(spec, Control(), ends.callback("a"))
    wait_for(log_says(spec.log_path, "Continue? "), "the prompt in the log")
    (tmp_path / "answer").touch()
    (result,) = ends.wait("a")
    assert result.outcome == "success" and result.output_tail == "Continue? "


def test_a_program_that_does_not_exist_raises_and_never_ends(tmp_path, supervisor, ends):
    spec = make_spec(tmp_path, [str(tmp_path / "no-such-program")])
    with pytest.raises(LaunchError) as raised:
        supervisor.launch(spec, Control(), ends.callback("a"))
    result = raised.value.result
    assert (result.outcome, result.exit_code) == ("failed", None)
    assert result.error is not None and result.error.startswith("could not start")
    # on_end is not called for it: a later run's end is the only one that arrives.
    supervisor.launch(make_spec(tmp_path, ["/bin/true"], "b"), Control(), ends.callback("b"))
    ends.wait("b")
    assert "a" not in ends.results


def test_a_log_that_cannot_be_opened_raises_without_starting(tmp_path, supervisor, ends):
    (tmp_path / "not-a-dir").write_text("")
    marker = tmp_path / "started"
    argv = python(tmp_path, f"open({str(marker)!r}, 'w').close()\n")
    spec = make_spec(tmp_path, argv, log_path=tmp_path / "not-a-dir" / "run.log")
    with pytest.raises(LaunchError) as raised:
        supervisor.launch(spec, Control(), ends.callback("a"))
    assert raised.value.result.outcome == "failed"
    assert raised.value.result.error is not None
    assert raised.value.result.error.startswith("could not write its log")
    assert not marker.exists()


def test_stop_ends_every_running_process_with_its_reason(tmp_path, ends):
    supervisor = Supervisor()
    code = """
    import signal, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print("ready", flush=True)
    time.sleep(300)
    """
    controls = []
    for i in range(3):
        spec = make_spec(tmp_path, python(tmp_path, code, f"job{i}"), f"r{i}")
        controls.append(Control())
        supervisor.launch(spec, controls[-1], ends.callback(str(i)))
        wait_for(log_says(spec.log_path, "ready"), "the handler to be in place")
    supervisor.stop(grace=0.3, reason="server shutting down")
    results = [ends.results[str(i)] for i in range(3)]  # all ended before stop returned
    assert [(r[0].outcome, r[0].error) for r in results] == [
        ("cancelled", "server shutting down")
    ] * 3
    assert all(control.pid is not None and gone(control.pid) for control in controls)
    with pytest.raises(RuntimeError, match="stopped"):
        supervisor.launch(make_spec(tmp_path, ["/bin/true"]), Control(), ends.callback("x"))


def test_a_bug_while_watching_one_run_fails_that_run_and_the_loop_goes_on(
    tmp_path, supervisor, ends, monkeypatch
):
    feed = supervising.Lines.feed

    def fragile(self: supervising.Lines, chunk: bytes) -> bytes:
        if b"boom" in chunk:
            raise RuntimeError("a bug")
        return feed(self, chunk)

    monkeypatch.setattr(supervising.Lines, "feed", fragile)
    code = "import time\nprint('boom', flush=True)\ntime.sleep(300)\n"
    control = Control()
    supervisor.launch(
        make_spec(tmp_path, python(tmp_path, code), "bad"), control, ends.callback("bad")
    )
    (bad,) = ends.wait("bad")
    assert (bad.outcome, bad.error) == ("failed", INTERNAL_ERROR)
    assert control.pid is not None and gone(control.pid)
    argv = ["/bin/sh", "-c", "echo fine"]
    supervisor.launch(make_spec(tmp_path, argv, "good"), Control(), ends.callback("good"))
    (good,) = ends.wait("good")
    assert (good.outcome, good.output_tail) == ("success", "fine\n")


def test_an_on_end_that_raises_does_not_stop_the_loop(tmp_path, supervisor, ends):
    def broken(result: ProcessResult) -> None:
        raise RuntimeError("the queue is gone")

    supervisor.launch(make_spec(tmp_path, ["/bin/true"], "a"), Control(), broken)
    supervisor.launch(make_spec(tmp_path, ["/bin/true"], "b"), Control(), ends.callback("b"))
    (result,) = ends.wait("b")
    assert result.outcome == "success"


def test_memory_is_sampled_over_the_tree(tmp_path, supervisor, ends):
    code = """
    import subprocess, sys, time
    hold = "import time; block = b'x' * (60 * 1024 * 1024); time.sleep(1.5)"
    child = subprocess.Popen([sys.executable, "-c", hold])
    child.wait()
    """
    supervisor.launch(make_spec(tmp_path, python(tmp_path, code)), Control(), ends.callback("a"))
    (result,) = ends.wait("a")
    assert result.outcome == "success"
    assert result.peak_memory_bytes is not None and result.peak_memory_bytes >= 50 * MiB


def test_a_tree_that_allocates_and_burns_cpu_is_sampled_as_it_goes(tmp_path, supervisor, ends):
    stop = tmp_path / "stop"
    code = f"""
    import os, subprocess, sys
    hog = (
        "import os; block = b'x' * (100 * 1024 * 1024)\\n"
        "while not os.path.exists({str(stop)!r}): pass"
    )
    subprocess.run([sys.executable, "-c", hog])
    """
    seen = threading.Event()
    series = Series(0.1)
    points: list[Sample] = []

    def on_new() -> None:  # called in the loop's thread, at most once per take
        points.extend(series.take().samples)
        big = [p for p in points if p.rss_bytes >= 100 * MiB and p.processes >= 2]
        if len(big) >= 3 and any(p.cpu_percent > 10 for p in big):  # a tenth of a core at least
            seen.set()

    series.on_new = on_new
    control = Control(resources=series)
    supervisor.launch(make_spec(tmp_path, python(tmp_path, code)), control, ends.callback("a"))
    assert seen.wait(60), points
    stop.touch()
    (result,) = ends.wait("a")
    assert result.outcome == "success"
    summary = series.summary()
    assert summary.memory_mean_bytes is not None and summary.memory_mean_bytes > 50 * MiB
    assert summary.cpu_percent_peak == max(p.cpu_percent for p in series.points())


@pytest.mark.parametrize("slice_size", [1, supervising.SCAN_PER_TURN])
def test_no_descendant_outlives_its_run(tmp_path, supervisor, ends, monkeypatch, slice_size):
    monkeypatch.setattr(supervising, "SCAN_PER_TURN", slice_size)  # 1: a walk of many turns
    code = """
    import subprocess
    print(subprocess.Popen(["sleep", "300"], stdout=subprocess.DEVNULL).pid, flush=True)
    """
    supervisor.launch(make_spec(tmp_path, python(tmp_path, code)), Control(), ends.callback("a"))
    (result,) = ends.wait("a")
    pid = int(result.output_tail)
    assert result.outcome == "success"
    assert not psutil.pid_exists(pid) or gone(pid)


def test_an_escaped_descendant_holding_the_pipe_delays_the_end_by_the_grace_only(
    tmp_path, supervisor, ends
):
    # No tag, so nothing finds it; it keeps stdout open. The run ends once the grace is over,
    # as it exited in time: the timeout that falls meanwhile is not its outcome.
    code = """
    import subprocess
    child = subprocess.Popen(["sleep", "300"], start_new_session=True)
    print("escaped", child.pid, flush=True)
    """
    spec = make_spec(tmp_path, python(tmp_path, code), timeout_seconds=0.5, kill_grace_seconds=1.5)
    supervisor.launch(spec, Control(), ends.callback("a"))
    (result,) = ends.wait("a")
    pid = int(result.output_tail.split()[1])
    try:
        assert (result.outcome, result.exit_code, result.error) == ("success", 0, None)
        assert not gone(pid)  # it did hold the pipe: the wait was for it
    finally:
        psutil.Process(pid).kill()
