"""An attested rollout over real ssh that stops when wave 2's attestation fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fleet_helpers import local_key, pinned_pcr0s, running, start_old
from sshd_harness import remote_command

from core.attestation.trust import sim_root_anchor
from core.eif import measure_eif
from core.home import Home
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
    targets = {
        name: Target(name=name, host=f"ssh://host-{name}", remote_command=remote_command(home))
        for name, home in remote_homes.items()
    }
    # b's enclave runs in debug mode: its replacement too, so its PCRs read as zeros and
    # its attestation cannot match the image.
    old = {n: start_old(t, v1, debug=(n == "b")) for n, t in targets.items()}
    for name, target in targets.items():  # each simulator's root, copied here by the operator
        root = sim_root_anchor(Home(remote_homes[name])).source
        add = ["ctx", "add", name, "--host", str(target.host), "--trust", root]
        assert main([*add, "--remote-command", str(target.remote_command)]) == 0
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


def test_a_remote_simulator_cannot_vouch_for_itself(
    ssh_env: Path,
    remote_homes: dict[str, Path],
    agent_images: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Its documents chain to a root only it supplies: unless the operator chose that root
    here, the rollout refuses before touching the member, or fails attestation and keeps the
    old enclave; chosen by fingerprint, it goes through."""
    v1, v2 = agent_images
    host = "ssh://host-a"
    target = Target(name="a", host=host, remote_command=remote_command(remote_homes["a"]))
    monkeypatch.setenv("NITRODECK_REMOTE_COMMAND", str(target.remote_command))
    old = start_old(target, v1)
    rollout = ["rollout", "--eif-path", str(v2), "--enclave-name", "web", "--hosts", host]
    capsys.readouterr()

    assert main([*rollout, "--json"]) == 1
    (member,) = json.loads(capsys.readouterr().out)["members"]
    assert member["state"] == "failed" and "--trust sim-remote" in member["error"]
    assert [e.enclave_id for e in running(target)] == [old.enclave_id]

    assert main([*rollout, "--trust", "aws", "--json"]) == 1
    (member,) = json.loads(capsys.readouterr().out)["members"]
    assert member["state"] == "kept-old" and "trusted" in member["error"]
    assert [e.enclave_id for e in running(target)] == [old.enclave_id]

    root = sim_root_anchor(Home(remote_homes["a"]))
    assert main([*rollout, "--trust", f"sha256:{root.fingerprint}", "--json"]) == 0
    (member,) = json.loads(capsys.readouterr().out)["members"]
    assert member["state"] == "replaced"
