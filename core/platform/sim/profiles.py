"""Real EC2 shapes the simulator can pretend to be, with their true CPU topology.

x86 instances number CPUs the way Linux enumerates them on Nitro: the first thread of every core,
then the second threads (so m5.xlarge has cores {0,2} and {1,3}); two-socket shapes give each
NUMA node a contiguous half of each range. Graviton has one thread per core.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.platform.base import CpuInfo

DEFAULT_PROFILE = "m5.2xlarge"
X86_HUGEPAGES_KIB = (2048, 1048576)
# arm64 with 4 KiB base pages: contiguous-PTE 64 KiB, PMD 2 MiB, contiguous-PMD 32 MiB, PUD 1 GiB.
ARM64_HUGEPAGES_KIB = (64, 2048, 32768, 1048576)
# What the parent keeps for itself on each NUMA node (kernel, services, the parent's own apps).
PARENT_RESERVE_MIB = 1024


@dataclass(frozen=True)
class Profile:
    """One instance type: vCPUs, threads per core, NUMA nodes, memory and hugepage sizes."""

    name: str
    vcpus: int
    threads_per_core: int
    numa_nodes: int
    memory_gib: int
    architecture: str
    hugepage_sizes_kib: tuple[int, ...]

    @property
    def cores(self) -> int:
        return self.vcpus // self.threads_per_core

    def topology(self) -> tuple[CpuInfo, ...]:
        """Each CPU with its core, NUMA node and the threads of its core."""
        cores = self.cores
        per_node = cores // self.numa_nodes
        cpus: list[CpuInfo] = []
        for cpu in range(self.vcpus):
            core = cpu % cores
            siblings = tuple(core + t * cores for t in range(self.threads_per_core))
            cpus.append(CpuInfo(cpu=cpu, core=core, node=core // per_node, siblings=siblings))
        return tuple(cpus)

    def node_memory_mib(self) -> tuple[int, ...]:
        each = self.memory_gib * 1024 // self.numa_nodes
        return tuple(each for _ in range(self.numa_nodes))

    def hugepage_capacity_mib(self) -> dict[int, int]:
        """Memory each node can turn into hugepages (all of it but the parent's reserve)."""
        return {n: m - PARENT_RESERVE_MIB for n, m in enumerate(self.node_memory_mib())}


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile("m5.xlarge", 4, 2, 1, 16, "x86_64", X86_HUGEPAGES_KIB),
        Profile("m5.2xlarge", 8, 2, 1, 32, "x86_64", X86_HUGEPAGES_KIB),
        Profile("c5.4xlarge", 16, 2, 1, 32, "x86_64", X86_HUGEPAGES_KIB),
        Profile("m5.24xlarge", 96, 2, 2, 384, "x86_64", X86_HUGEPAGES_KIB),
        Profile("c6g.4xlarge", 16, 1, 1, 32, "aarch64", ARM64_HUGEPAGES_KIB),
    )
}
