"""`core.platform.capacity`: how many enclaves fit, and the rule that stops one more."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import NitrodeckError
from core.home import Home
from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform import rules
from core.platform.base import MIB, EnclaveInfo, HugepageCount, PoolState
from core.platform.capacity import fit, fit_json, fit_on, free_pages, regions_label
from core.platform.sim.platform import SimPlatform
from core.platform.sim.profiles import PROFILES
from tui.cli.main import main

TOPOLOGY = {c.cpu: c for c in PROFILES["m5.2xlarge"].topology()}  # cores {n, n+4}


def pool(cpus: tuple[int, ...], pages: dict[int, int], used: tuple[int, ...] = ()) -> PoolState:
    return PoolState(
        config=None,
        cpus=cpus,
        node=0,
        hugepages=tuple(HugepageCount(0, size * 1024, n) for size, n in pages.items()),
        used_cpus=used,
        used_memory_mib=0,
        enclaves=0,
    )


def enclave(memory: int, cpus: tuple[int, ...]) -> EnclaveInfo:
    return EnclaveInfo(None, "i-1-enc1", 1, 16, cpus, memory, "RUNNING", False)


def test_cpus_run_out_first_with_the_driver_error() -> None:
    result = fit(
        eif_size=20 * MIB,
        memory_mib=None,
        cpu_count=None,
        pool=pool((1, 2, 5, 6), {1024: 4}),
        enclaves=[],
        topology=TOPOLOGY,
    )
    assert result.memory_mib == 80 and result.cpu_count == 2  # 4 × EIF, one full core
    assert result.count == 2
    assert [p.cpus for p in result.placements] == [(1, 5), (2, 6)]
    assert result.blocker is not None and result.blocker.cli_code is NitroCliCode.IoctlFailure
    assert "no CPUs are available" in result.why_not_more()


def test_memory_runs_out_first_with_e27() -> None:
    result = fit(
        eif_size=MIB,
        memory_mib=1024,
        cpu_count=2,
        pool=pool((1, 2, 3, 5, 6, 7), {1024: 1, 2: 512}),
        enclaves=[],
        topology=TOPOLOGY,
    )
    assert result.count == 2
    assert result.placements[0].regions == (1024,)
    assert result.placements[1].regions == (2,) * 512
    assert result.blocker is not None
    assert result.blocker.cli_code is NitroCliCode.InsufficientMemoryAvailable
    assert result.why_not_more().startswith("E27")


def test_running_enclaves_take_their_share() -> None:
    running = [enclave(512, (1, 5))]
    state = pool((1, 2, 5, 6), {2: 512}, used=(1, 5))
    assert free_pages(state, running) == {2: 256}
    result = fit(
        eif_size=MIB,
        memory_mib=512,
        cpu_count=2,
        pool=state,
        enclaves=running,
        topology=TOPOLOGY,
    )
    assert [p.cpus for p in result.placements] == [(2, 6)]


def test_a_request_no_launch_accepts_fits_zero_with_nitro_cli_code() -> None:
    small = fit(
        eif_size=100 * MIB,
        memory_mib=64,
        cpu_count=2,
        pool=pool((1, 5), {2: 512}),
        enclaves=[],
        topology=TOPOLOGY,
    )
    assert small.count == 0
    assert small.blocker is not None
    assert small.blocker.cli_code is NitroCliCode.InsufficientMemoryRequested
    half_core = fit(
        eif_size=MIB,
        memory_mib=64,
        cpu_count=1,
        pool=pool((1, 5), {2: 512}),
        enclaves=[],
        topology=TOPOLOGY,
    )
    assert half_core.count == 0 and "full CPU cores" in half_core.why_not_more()
    assert fit_json(half_core)["WhyNotMore"] is not None


def test_regions_label() -> None:
    assert regions_label((512, 2, 2, 2)) == "512 MiB + 3 × 2 MiB"


@settings(max_examples=60, deadline=None)
@given(
    memory=st.integers(min_value=64, max_value=4096),
    cores=st.integers(min_value=1, max_value=3),
    big=st.integers(min_value=0, max_value=4),
    small=st.integers(min_value=0, max_value=1024),
)
def test_fit_never_oversubscribes(memory: int, cores: int, big: int, small: int) -> None:
    state = pool((1, 2, 3, 5, 6, 7), {1024: big, 2: small})
    result = fit(
        eif_size=MIB,
        memory_mib=memory,
        cpu_count=2 * cores,
        pool=state,
        enclaves=[],
        topology=TOPOLOGY,
    )
    cpus = [c for p in result.placements for c in p.cpus]
    assert len(cpus) == len(set(cpus)) <= 6
    assert all(sum(p.regions) >= memory for p in result.placements)
    assert sum(r for p in result.placements for r in p.regions) <= 1024 * big + 2 * small
    assert result.blocker is not None  # resources are finite: something always stops it


def test_fit_on_the_simulator_and_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.agent.demo import build_demo_image

    eif = tmp_path / "x.eif"
    build_demo_image(eif)
    platform = SimPlatform("m5.2xlarge", home=Home.resolve())
    try:
        result = fit_on(platform, eif)  # shipped defaults: 512 MiB and CPUs 1,5
        assert result.count == 1 and result.placements[0].cpus == (1, 5)
    finally:
        platform.close()
    assert main(["pool", "fit", "--eif-path", str(eif), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["Fits"] == 1 and data["MemoryMiB"] == 64  # 4 × its size is under the minimum
    assert data["WhyNotMore"]["Code"] == "E29"
    # A broken image fits nowhere: it says so (E35), and a missing one is E19 as in run-enclave.
    broken = tmp_path / "broken.eif"
    broken.write_bytes(eif.read_bytes()[:3000])
    assert main(["pool", "fit", "--eif-path", str(broken)]) == 35
    assert "truncated" in capsys.readouterr().err
    run = ["run-enclave", "--eif-path", str(broken), "--memory", "512", "--cpu-count", "2"]
    assert main(run) == 35
    assert capsys.readouterr().err.count("fix:") == 1  # one fix line, the inner error's
    with pytest.raises(NitrodeckError, match="cannot open the image") as missing:
        fit_on(SimPlatform("m5.2xlarge", home=Home.resolve()), tmp_path / "missing.eif")
    assert missing.value.code == "E19" and missing.value.exit_code == 19


def test_memory_is_explained_in_whole_hugepages() -> None:
    from core.platform.capacity import memory_sentence

    free = {1024: 1}
    regions = rules.allocate_regions(128, free)
    assert memory_sentence(128, regions, free) == (
        "you asked 128 MiB; the pool's free memory is 1 × 1 GiB page, so the enclave gets "
        "1024 MiB (1024 MiB) and 0 MiB are left"
    )
    with pytest.raises(NitroCliError) as refused:
        rules.allocate_regions(2048, {1024: 1, 2: 3})
    assert refused.value.detail == (
        "you asked 2048 MiB; the pool has 1030 MiB of free hugepages: "
        "1 × 1 GiB page + 3 × 2 MiB pages"
    )
