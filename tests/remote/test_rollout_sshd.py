"""An attested rollout over real ssh that stops when wave 2's attestation fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fleet_helpers import local_key, pinned_pcr0s, running, start_old
from sshd_harness import remote_command

from core.eif import measure_eif
from core.remote.target import Target
from tui.cli.main import main

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sshd")]


def test_rollout_stops_at_wave_two_and_describes_every_member(
    ssh_env: Path,
    remote_homes: dict[str, Path],
    agent_images: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    v1, v2 = agent_images
    targets = {}
    for name, home in remote_homes.items():
        command = remote_command(home)
        args = ["ctx", "add", name, "--host", f"ssh://host-{name}", "--remote-command", command]
        assert main(args) == 0
        targets[name] = Target(name=name, host=f"ssh://host-{name}", remote_command=command)
    # b's enclave runs in debug mode: its replacement too, so its PCRs read as zeros and
    # its attestation cannot match the image.
    old = {n: start_old(t, v1, debug=(n == "b")) for n, t in targets.items()}
    capsys.readouterr()

    old_pcr0, new_pcr0 = measure_eif(v1).pcr0, measure_eif(v2).pcr0
    with local_key(old_pcr0) as (kms, key_id):
        members = ["--hosts", "a,b,c", "--enclave-name", "web", "--key-id", key_id]
        code = main(["rollout", "--eif-path", str(v2), *members, "--json"])
        # Members a and c now run different images: the key must still open for both.
        assert pinned_pcr0s(kms, key_id) == {old_pcr0, new_pcr0}
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == 1 and report["ok"] is False and report["stopped_at_wave"] == 2
    states = {m["member"]: m for m in report["members"]}
    assert [states[n]["state"] for n in "abc"] == ["replaced", "kept-old", "not-reached"]
    assert "PCR" in states["b"]["error"]
    assert "[wave 1] a: verified" in captured.err

    (on_a,) = running(targets["a"])
    assert on_a.enclave_id != old["a"].enclave_id and on_a.measurements["PCR0"] == new_pcr0
    assert [e.enclave_id for e in running(targets["b"])] == [old["b"].enclave_id]
    assert [e.enclave_id for e in running(targets["c"])] == [old["c"].enclave_id]
