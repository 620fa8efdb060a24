"""Fleet status over real ssh: three parents, one lost mid-run, one that never answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sshd_harness import free_port, remote_command

from core.fleet.status import FleetMonitor
from core.home import Home
from core.platform.base import RunRequest
from core.remote.platform import RemotePlatform
from core.remote.target import Target
from tui.cli.main import main

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sshd")]


def test_a_member_lost_mid_run_shows_unreachable_and_the_rest_stay_live(
    ssh_env: Path, remote_homes: dict[str, Path], agent_images: tuple[Path, Path]
) -> None:
    targets = [
        Target(name=n, host=f"ssh://host-{n}", remote_command=remote_command(home))
        for n, home in remote_homes.items()
    ]
    monitor = FleetMonitor(targets, Home.resolve(), timeout=5.0)
    try:
        first = monitor.refresh()
        assert [s.name for s in first] == ["a", "b", "c"]
        assert all(s.reachable and s.platform == "sim" for s in first)
        b = monitor.opened("b")
        assert isinstance(b, RemotePlatform)
        enclave = b.run_enclave(RunRequest(agent_images[0], 256, cpu_count=2, enclave_name="w"))
        kept_a, kept_c = monitor.opened("a"), monitor.opened("c")

        # host-b goes away: its address now refuses connections and the live session drops.
        config = ssh_env.read_text()
        dead = free_port()
        block = re.search(r"Host host-b\n(.*?)(?=\nHost )", config, re.S)
        assert block is not None
        config = config.replace(block.group(0), re.sub(r"Port \d+", f"Port {dead}", block.group(0)))
        ssh_env.write_text(config)
        second_look = monitor.refresh()
        assert second_look[1].reachable and second_look[1].pcr0s == (enclave.measurements["PCR0"],)
        b.connection.process.kill()

        second = monitor.refresh()
        by_name = {s.name: s for s in second}
        assert not by_name["b"].reachable
        assert by_name["b"].error and "connection" in by_name["b"].error.lower()
        assert by_name["a"].reachable and by_name["c"].reachable
        assert monitor.opened("a") is kept_a and monitor.opened("c") is kept_c
    finally:
        monitor.close()


def test_fleet_status_json_reports_a_hanging_member_within_its_timeout(
    home_a_by_default: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hosts = "ssh://host-a,ssh://host-hang"
    code = main(["fleet", "status", "--hosts", hosts, "--timeout", "1.5", "--json"])
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert code == 1
    assert rows["host-a"]["reachable"] and rows["host-a"]["doctor"] == "ok"
    assert rows["host-hang"]["reachable"] is False
    assert "no answer within 1.5 s" in rows["host-hang"]["error"]
