"""The simulator's preflight checks find what is really wrong and say how to fix it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.home import Home
from core.platform.sim import doctor
from core.platform.sim.platform import SimPlatform
from core.platform.sim.state import EnclaveRow


@pytest.fixture
def sim() -> Iterator[SimPlatform]:
    platform = SimPlatform("m5.xlarge", home=Home.resolve())
    yield platform
    platform.close()


def test_a_fresh_simulator_passes_every_check(sim: SimPlatform) -> None:
    checks = doctor.sim_checks(sim.instance)
    assert [c.name for c in checks if not c.ok] == []
    assert len(checks) == 6


def test_a_dead_supervisor_and_its_socket_are_reported(sim: SimPlatform) -> None:
    row = EnclaveRow(
        slot_uid=7,
        enclave_id="i-0-enc7",
        name="ghost",
        cid=42,
        cpus=(1, 3),
        memory_mib=64,
        regions=(64,),
        debug=False,
        eif_path="/nowhere.eif",
        state="RUNNING",
        pid=2**22 + 1,  # above pid_max's default: no such process
        pid_ctime=0.0,
        payload_pid=None,
        image={},
    )
    with sim.instance.state.transaction():
        sim.instance.state.insert_enclave(row)
    supervisors = doctor.check_supervisors(sim.instance)
    assert not supervisors.ok and "i-0-enc7" in supervisors.evidence and supervisors.hint
    sim.layout.vsock_dir.mkdir(parents=True, exist_ok=True)
    (sim.layout.vsock_dir / "cid_99.sock").touch()
    (sim.layout.vsock_dir / "cid_42.sock").touch()  # the (dead) row still holds CID 42
    stale = doctor.check_stale_sockets(sim.instance)
    assert not stale.ok and "cid_99.sock" in stale.evidence and "cid_42" not in stale.evidence
    assert stale.to_json()["hint"].startswith("remove")


def test_an_unconfigured_pool_and_a_broken_python_fail(sim: SimPlatform) -> None:
    sim.instance.state.set_meta("pool", '{"config": null, "cpus": [], "node": null}')
    assert not doctor.check_pool(sim.instance).ok
    broken = doctor.check_payload_python("/nonexistent/python")
    assert not broken.ok and broken.hint
    assert doctor.check_payload_python(sys.executable).ok


def test_a_corrupt_database_fails(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    db.write_bytes(b"this is not sqlite" * 100)
    check = doctor.check_sqlite(db)
    assert not check.ok and "aside" in check.hint
