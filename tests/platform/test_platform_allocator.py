"""The allocator service's algorithm and messages on real instance shapes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.platform.allocator import (
    MSG_INSUFFICIENT_MEMORY,
    MSG_NO_CPUS,
    RUNNING_MSG,
    SHIPPED_DEFAULTS,
    parse_allocator_yaml,
    plan_allocation,
    preview_steps,
)
from core.platform.base import HostInfo, PoolConfig
from core.platform.sim.profiles import PROFILES


def host(profile: str) -> HostInfo:
    p = PROFILES[profile]
    return HostInfo(
        platform="sim",
        profile=profile,
        instance_type=profile,
        instance_id="i-0123456789abcdef0",
        region="us-east-1",
        architecture=p.architecture,
        role_arn=None,
        cpus=p.topology(),
        memory_mib=p.memory_gib * 1024,
        node_memory_mib=p.node_memory_mib(),
        hugepage_sizes_kib=p.hugepage_sizes_kib,
        hugepages=(),
    )


def plan(
    profile: str,
    config: PoolConfig,
    running: int | list[str] = 0,
    capacity: dict[int, int] | None = None,
):  # type: ignore[no-untyped-def]
    cap = capacity or PROFILES[profile].hugepage_capacity_mib()
    return plan_allocation(config, host(profile), {}, cap, running)


@pytest.mark.parametrize(
    ("profile", "siblings_of_1", "nodes"),
    [
        ("m5.xlarge", (1, 3), {0}),
        ("m5.2xlarge", (1, 5), {0}),
        ("m5.24xlarge", (1, 49), {0, 1}),
        ("c6g.4xlarge", (1,), {0}),
    ],
)
def test_profiles_have_real_topology(
    profile: str, siblings_of_1: tuple[int, ...], nodes: set[int]
) -> None:
    cpus = {c.cpu: c for c in PROFILES[profile].topology()}
    assert cpus[1].siblings == siblings_of_1
    assert {c.node for c in cpus.values()} == nodes
    assert len(cpus) == PROFILES[profile].vcpus


def test_two_numa_nodes_split_like_m5_24xlarge() -> None:
    cpus = {c.cpu: c for c in PROFILES["m5.24xlarge"].topology()}
    assert [cpus[i].node for i in (0, 23, 24, 47, 48, 71, 72, 95)] == [0, 0, 1, 1, 0, 0, 1, 1]


@pytest.mark.parametrize(
    ("profile", "cpus", "pages"),
    [
        ("m5.xlarge", (1, 3), {(0, 2048): 256}),
        ("m5.2xlarge", (1, 5), {(0, 2048): 256}),
        ("m5.24xlarge", (1, 49), {(0, 2048): 256}),
        ("c6g.4xlarge", (1, 2), {(0, 32768): 16}),
    ],
)
def test_shipped_defaults(
    profile: str, cpus: tuple[int, ...], pages: dict[tuple[int, int], int]
) -> None:
    result = plan(profile, SHIPPED_DEFAULTS)
    assert result.ok, result.violations
    assert result.cpus == cpus and result.node == 0
    assert {(h.node, h.size_kib): h.count for h in result.hugepages} == pages
    assert result.steps[-1] == "Successfully allocated Nitro Enclaves resources: 512 MiB, 2 CPUs"


def test_hugepages_largest_first_and_rounded_to_the_smallest_size() -> None:
    result = plan("m5.2xlarge", PoolConfig(memory_mib=3073, cpu_count=2))
    assert {h.size_kib: h.count for h in result.hugepages} == {1048576: 3, 2048: 1}
    assert result.memory_mib == 3074


@pytest.mark.parametrize(
    ("profile", "config", "message"),
    [
        ("m5.xlarge", PoolConfig(512, cpu_count=0), "Provided CPU count is not higher than 0."),
        (
            "m5.xlarge",
            PoolConfig(512, cpu_count=8),
            "Provided CPU count is higher than available CPUs - 4.",
        ),
        (
            "m5.xlarge",
            PoolConfig(512, cpu_count=1),
            "The CPU count is not multiple of 2 (threads per core).",
        ),
        ("m5.xlarge", PoolConfig(512, cpu_count=4), MSG_NO_CPUS),  # CPU 0's core stays
        ("m5.xlarge", PoolConfig(20000, cpu_count=2), MSG_INSUFFICIENT_MEMORY),
        (
            "m5.xlarge",
            PoolConfig(None, cpu_count=2),
            "Config error: missing memory reservation (`memory_mib`).",
        ),
        (
            "m5.xlarge",
            PoolConfig(512),
            "Config error: missing CPU reservation (either `cpu_count` or `cpu_pool`).",
        ),
        (
            "m5.xlarge",
            PoolConfig(512, 2, "1,3"),
            "Config error: `cpu_count` conflicts with `cpu_pool`.",
        ),
    ],
)
def test_allocator_failures(profile: str, config: PoolConfig, message: str) -> None:
    result = plan(profile, config)
    assert not result.ok
    assert message in result.violations


def test_cpu_pool_lists_every_broken_rule() -> None:
    result = plan("m5.24xlarge", PoolConfig(512, cpu_pool="0,1,30,200"))
    text = "\n".join(result.violations)
    assert "200 do not exist" in text
    assert "CPU 0 and its siblings (0,48)" in text
    assert "full cores" in text
    assert "Invalid NUMA node for a CPU" in text
    assert len(result.violations) == 4


def test_cpu_pool_ok_on_second_node() -> None:
    result = plan("m5.24xlarge", PoolConfig(1024, cpu_pool="24,72"))
    assert result.ok and result.node == 1 and result.cpus == (24, 72)
    assert {(h.node, h.size_kib): h.count for h in result.hugepages} == {(1, 1048576): 1}


def test_cpu_count_falls_through_to_the_next_numa_node_when_memory_is_short() -> None:
    result = plan("m5.24xlarge", PoolConfig(4096, cpu_count=4), capacity={0: 1024, 1: 100000})
    assert result.ok and result.node == 1
    assert result.cpus == (24, 25, 72, 73)
    assert "Will try to reserve 4096 MB of memory on node 0." in result.steps
    assert "Memory configuration failed, rolling back memory reservations..." in result.steps


def test_cpu_count_larger_than_a_node_fails() -> None:
    whole_node = plan("m5.24xlarge", PoolConfig(512, cpu_count=48))
    assert whole_node.ok and whole_node.node == 1  # node 1 has no CPU 0 to keep back
    result = plan("m5.24xlarge", PoolConfig(512, cpu_count=50))
    assert MSG_NO_CPUS in result.violations


def test_no_change_while_enclaves_run() -> None:
    result = plan("m5.xlarge", SHIPPED_DEFAULTS, running=1)
    assert RUNNING_MSG in result.violations
    # Knowing which enclaves run, the refusal names them and how to stop them.
    named = plan("m5.xlarge", SHIPPED_DEFAULTS, running=["web", "signer"])
    refusal = next(v for v in named.violations if v.startswith(RUNNING_MSG))
    assert "Running now: web, signer" in refusal and "terminate-enclave" in refusal


def test_a_plan_previews_instead_of_claiming_success() -> None:
    result = plan("m5.xlarge", SHIPPED_DEFAULTS)
    assert result.steps[-1].startswith("Successfully allocated")  # what apply prints after
    preview = preview_steps(result)
    assert not any("Successfully" in step for step in preview)
    assert preview[-1].startswith("Applying would allocate Nitro Enclaves resources: 512 MiB")


def test_yaml_parser_like_the_service() -> None:
    text = (
        "# comment\nignored: before start\n---\n# Enclave memory\n"
        "memory_mib: 1024\ncpu_pool: 2,3,6-9\n"
    )
    assert parse_allocator_yaml(text) == PoolConfig(1024, cpu_pool="2,3,6-9")
    with pytest.raises(ValueError, match="unexpected: cpus"):
        parse_allocator_yaml("---\ncpus: 2\n")
    with pytest.raises(ValueError, match="missing value for cpu_count"):
        parse_allocator_yaml("---\ncpu_count:\n")
    with pytest.raises(ValueError, match=r"The CPU count value \(two\) is invalid"):
        parse_allocator_yaml("---\nmemory_mib: 5\ncpu_count: two\n")


@given(st.text(max_size=200))
def test_yaml_parser_fails_only_with_a_message(text: str) -> None:
    try:
        config = parse_allocator_yaml("---\n" + text)
    except ValueError as error:
        assert str(error)
    else:
        assert config.memory_mib is None or config.memory_mib >= 0
