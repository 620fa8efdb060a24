"""The host as sysfs shows it, and the shared allocator rules deciding alike on both platforms."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from nitro_fixtures import HostState

from core.home import Home
from core.platform.base import PoolConfig
from core.platform.nitro import sysfs
from core.platform.nitro.platform import NitroPlatform
from core.platform.nitro.sysfs import SysRoot
from core.platform.sim.platform import SimPlatform

MakeRoot = Callable[..., SysRoot]


def test_m5_2xlarge_topology_with_offline_pool_cpus(make_root: MakeRoot) -> None:
    root = make_root("m5.2xlarge", HostState(pool=(1, 5), pages={(0, 2048): 256}))
    host = NitroPlatform(sysroot=root).host_info()
    assert [c.cpu for c in host.cpus] == list(range(8))
    # CPUs 1 and 5 are offline (no topology/): their core is inferred from the sibling stride
    assert host.cpu(1) is not None and host.cpu(1).siblings == (1, 5)  # type: ignore[union-attr]
    assert host.cpu(0).siblings == (0, 4)  # type: ignore[union-attr]
    assert host.threads_per_core == 2 and host.numa_nodes == (0,)
    assert host.hugepage_sizes_kib == (2048, 1048576)
    assert host.memory_mib == 32 * 1024
    assert sysfs.enclave_pool(root) == (1, 5)
    pool = NitroPlatform(sysroot=root).pool_state()
    assert pool.cpus == (1, 5) and pool.node == 0 and pool.memory_mib == 512
    assert pool.config == PoolConfig(memory_mib=512, cpu_count=2)


def test_m5_24xlarge_has_two_numa_nodes(make_root: MakeRoot) -> None:
    root = make_root("m5.24xlarge", HostState(pool=(24, 25, 72, 73), pages={(1, 1048576): 2}))
    platform = NitroPlatform(sysroot=root)
    host = platform.host_info()
    assert host.numa_nodes == (0, 1) and host.node_memory_mib == (196608, 196608)
    assert host.cpu(24).node == 1 and host.cpu(24).siblings == (24, 72)  # type: ignore[union-attr]
    assert host.cpu(71).node == 0  # type: ignore[union-attr]
    pool = platform.pool_state()
    assert pool.node == 1 and pool.memory_mib == 2048


def test_c6g_has_one_thread_per_core_and_arm_page_sizes(make_root: MakeRoot) -> None:
    host = NitroPlatform(sysroot=make_root("c6g.4xlarge")).host_info()
    assert host.threads_per_core == 1 and len(host.cpus) == 16
    assert host.hugepage_sizes_kib == (64, 2048, 32768, 1048576)
    assert host.architecture == "aarch64" and host.instance_type == "c6g.4xlarge"


def test_without_imds_the_identity_comes_from_the_host(make_root: MakeRoot) -> None:
    platform = NitroPlatform(sysroot=make_root())
    host = platform.host_info()
    assert host.instance_id == "i-0123456789abcdef0" and host.role_arn is None
    assert platform.identity.source == "host"
    assert "Connection refused" in (platform.identity.note or "")


def test_missing_driver_means_no_pool(make_root: MakeRoot) -> None:
    root = make_root()
    root.path(sysfs.NE_CPUS).unlink()
    assert sysfs.enclave_pool(root) is None
    assert NitroPlatform(sysroot=root).pool_state().cpus == ()


CONFIGS = [
    PoolConfig(memory_mib=512, cpu_count=2),
    PoolConfig(memory_mib=4096, cpu_count=4),
    PoolConfig(memory_mib=2048, cpu_count=3),
    PoolConfig(memory_mib=1024, cpu_pool="0,4"),
    PoolConfig(memory_mib=1024, cpu_pool="2,6"),
    PoolConfig(memory_mib=1024, cpu_pool="2"),
    PoolConfig(memory_mib=10_000_000, cpu_count=2),
    PoolConfig(memory_mib=2048, cpu_pool="24-25,72-73"),
    PoolConfig(memory_mib=2048, cpu_pool="23-24,71-72"),
    PoolConfig(memory_mib=1024, cpu_count=8),
]


@pytest.mark.parametrize("shape", ["m5.2xlarge", "m5.24xlarge", "c6g.4xlarge"])
def test_shared_rules_decide_the_same_on_sim_and_on_the_fixture(
    shape: str, make_root: MakeRoot, make_sim: Callable[[str], SimPlatform]
) -> None:
    sim = make_sim(shape)
    now = sim.pool_state()
    pages = {(h.node, h.size_kib): h.count for h in now.hugepages}
    nitro = NitroPlatform(sysroot=make_root(shape, HostState(pool=now.cpus, pages=pages)))
    sim_host, nitro_host = sim.host_info(), nitro.host_info()
    assert nitro_host.cpus == sim_host.cpus
    assert nitro_host.node_memory_mib == sim_host.node_memory_mib
    assert nitro.pool_state().cpus == now.cpus and nitro.pool_state().node == now.node
    for config in CONFIGS:
        assert nitro.plan_pool(config) == sim.plan_pool(config), config


def test_nitro_is_the_default_where_the_device_exists(
    make_root: MakeRoot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.platform import local, select

    root = make_root()
    monkeypatch.delenv("NITRODECK_PLATFORM", raising=False)
    monkeypatch.setenv("NITRODECK_SYSROOT", str(root.root))
    assert local.default_platform_name() == "nitro"
    assert select.open_platform(home=Home.resolve()).name == "nitro"
    root.path("dev/nitro_enclaves").unlink()
    assert local.default_platform_name() == "sim"
