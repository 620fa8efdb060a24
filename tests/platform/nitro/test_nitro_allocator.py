"""The real allocator path: allocator.yaml written atomically with a backup, the service restarted
through systemctl, the pool read back; refusals while enclaves run and when root is needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from nitro_fixtures import install_systemd, write_program

from core.errors import NitrodeckError
from core.platform.base import AllocatorError, PoolConfig, RunRequest
from core.platform.nitro import allocator
from core.platform.nitro.platform import NitroPlatform
from core.platform.nitro.sysfs import ALLOCATOR_YAML

REPO = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.slow


def test_config_round_trip_keeps_a_backup(nitro: NitroPlatform) -> None:
    root = nitro.sysroot
    before = root.path(ALLOCATOR_YAML).read_text()
    backup = allocator.write_config(root, PoolConfig(memory_mib=2048, cpu_pool="2,3,6,7"))
    assert backup is not None and backup.read_text() == before
    assert allocator.read_config(root) == PoolConfig(memory_mib=2048, cpu_pool="2,3,6,7")
    assert oct(root.path(ALLOCATOR_YAML).stat().st_mode & 0o777) == "0o644"
    assert not [p for p in root.path(ALLOCATOR_YAML).parent.iterdir() if p.name.startswith(".")]


def test_apply_restarts_the_service_and_reads_the_pool_back(
    nitro: NitroPlatform, bin_dir: Path
) -> None:
    journal = install_systemd(bin_dir, nitro.sysroot.root, REPO)
    pool = nitro.apply_pool(PoolConfig(memory_mib=2048, cpu_count=4))
    assert pool.cpus == (1, 2, 5, 6) and pool.node == 0 and pool.memory_mib == 2048
    assert pool.config == PoolConfig(memory_mib=2048, cpu_count=4)
    # the same words as the simulator's allocator
    assert nitro.pool_journal()[-1] == (
        "Successfully allocated Nitro Enclaves resources: 2048 MiB, 4 CPUs"
    )
    assert journal.read_text().count("Configuring the huge page memory...") == 1


def test_a_broken_plan_is_refused_before_anything_is_written(nitro: NitroPlatform) -> None:
    before = nitro.sysroot.path(ALLOCATOR_YAML).read_text()
    with pytest.raises(AllocatorError, match="CPU 0 and its siblings"):
        nitro.apply_pool(PoolConfig(memory_mib=512, cpu_pool="0,4"))
    assert nitro.sysroot.path(ALLOCATOR_YAML).read_text() == before


def test_service_failure_reports_its_error_line(nitro: NitroPlatform, bin_dir: Path) -> None:
    write_program(bin_dir, "systemctl", "exit 1")
    write_program(
        bin_dir, "journalctl", 'echo "Configuring the huge page memory..."\necho "Error: boom."'
    )
    with pytest.raises(AllocatorError, match=r"Error: boom\.") as caught:
        nitro.apply_pool(PoolConfig(memory_mib=512, cpu_count=2))
    assert "nitrodeck-backup" in (caught.value.fix or "")


def test_refused_while_enclaves_run(nitro: NitroPlatform, eifs: dict[str, Path]) -> None:
    nitro.run_enclave(RunRequest(eifs["printer"], memory_mib=64, cpu_count=2))
    with pytest.raises(AllocatorError, match="at least one enclave currently running") as caught:
        nitro.apply_pool(PoolConfig(memory_mib=512, cpu_count=2))
    assert "terminate-enclave --all" in (caught.value.fix or "")


def test_root_is_needed_says_so(nitro: NitroPlatform, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", denied)
    with pytest.raises(NitrodeckError, match="needs root") as caught:
        allocator.write_config(nitro.sysroot, PoolConfig(memory_mib=512, cpu_count=2))
    assert "sudo nitrodeck" in (caught.value.fix or "")


def test_polkit_refusal_says_root(nitro: NitroPlatform, bin_dir: Path) -> None:
    write_program(bin_dir, "systemctl", 'echo "Failed to restart: Access denied" >&2\nexit 1')
    with pytest.raises(NitrodeckError, match="needs root"):
        allocator.restart_service()
