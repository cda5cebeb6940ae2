"""A job printing 1 GiB: the log stays capped (head and tail kept), the run's tail is bounded,
and the server's memory stays flat."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import TEST_REGISTRY, wait_for
from tests.faults.helpers import rss
from tests.integration.server import Server

GIB_IN_MIB = 1024
CAP = 2 * 1024 * 1024


def test_a_gigabyte_of_output_leaves_the_server_flat(tmp_path: Path) -> None:
    server = Server(tmp_path / "data", TEST_REGISTRY)
    server.start_with_env({"TICKWORK_LOG_MAX_BYTES": str(CAP)})
    try:
        _, schedule = server.request(
            "POST",
            "/api/v1/schedules",
            {
                "name": "flood",
                "workflow_type": "job",
                "cron_schedule": "0 3 * * *",
                "parameters": {"flood_mb": GIB_IN_MIB},
            },
        )
        # Warm up: one small run so that the baseline includes a run's ordinary costs.
        server.request(
            "PATCH", f"/api/v1/schedules/{schedule['id']}", {"parameters": {"flood_mb": 1}}
        )
        _, warm = server.request("POST", f"/api/v1/schedules/{schedule['id']}/run")
        wait_for(lambda: server.get(f"/api/v1/runs/{warm['id']}")["finished_at"], timeout=60)
        server.request(
            "PATCH", f"/api/v1/schedules/{schedule['id']}", {"parameters": {"flood_mb": GIB_IN_MIB}}
        )
        assert server.proc is not None
        before = rss(server.proc.pid)
        peak = before
        _, run = server.request("POST", f"/api/v1/schedules/{schedule['id']}/run")

        def finished() -> dict | None:
            nonlocal peak
            peak = max(peak, rss(server.proc.pid))  # type: ignore[union-attr]
            current = server.get(f"/api/v1/runs/{run['id']}")
            return current if current["finished_at"] else None

        done = wait_for(finished, timeout=300, every=0.2)
        after = rss(server.proc.pid)
    finally:
        server.stop()
    assert done["status"] == "success", done
    growth_mib = (peak - before) / 2**20
    print(
        f"\nflood: 1 GiB streamed; server RSS {before / 2**20:.1f} MiB before, "
        f"peak {peak / 2**20:.1f} MiB, after {after / 2**20:.1f} MiB (growth {growth_mib:.1f} MiB)"
    )
    assert growth_mib < 64, f"server memory grew by {growth_mib:.1f} MiB streaming 1 GiB"
    log = (tmp_path / "data" / "logs" / schedule["id"] / f"{run['id']}.log").read_bytes()
    assert len(log) <= CAP + 200
    cut = re.findall(rb"\[tickwork: (\d+) bytes of output cut here\]", log)
    assert len(cut) == 1 and int(cut[0]) > GIB_IN_MIB * 2**20 - CAP - 1024
    assert log.endswith(b"job done\n")
    assert len(done["output_tail"].encode()) <= 4096
    assert done["output_tail"].endswith("job done\n")
