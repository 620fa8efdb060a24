"""The parent's CPUs, NUMA nodes, memory, hugepages and enclave CPU pool, read from sysfs/procfs.

Every path goes through `SysRoot`, whose root is `$NITRODECK_SYSROOT` (default `/`), so tests
point it at a fixture tree and nothing here ever needs the real machine. The CPUs of the enclave
pool are offline (the driver offlines them), and the kernel removes an offline CPU's
`topology/` directory; their core and siblings are then inferred from the online CPUs' sibling
stride (Linux numbers the second threads of all cores after the first ones on Nitro).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from core.platform.base import KIB, CpuInfo, HugepageCount
from core.platform.cpulist import parse_cpulist

CPU_DIR = "sys/devices/system/cpu"
NODE_DIR = "sys/devices/system/node"
NE_CPUS = "sys/module/nitro_enclaves/parameters/ne_cpus"
NE_MODULE = "sys/module/nitro_enclaves"
NE_DEVICE = "dev/nitro_enclaves"
ALLOCATOR_YAML = "etc/nitro_enclaves/allocator.yaml"
VSOCK_PROXY_YAML = "etc/nitro_enclaves/vsock-proxy.yaml"
ASSET_TAG = "sys/devices/virtual/dmi/id/board_asset_tag"
PRODUCT_NAME = "sys/devices/virtual/dmi/id/product_name"
_HUGEPAGE_DIR = re.compile(r"hugepages-(\d+)kB$")
_MEM_LINE = re.compile(r"(?:Node \d+ )?(\w+):\s+(\d+) kB")


class SysRoot:
    """Paths of the host under one root: `/` on a parent instance, a fixture tree in tests."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root if root is not None else os.environ.get("NITRODECK_SYSROOT", "/"))

    def path(self, relative: str) -> Path:
        """`relative` (written without a leading `/`) under the root."""
        return self.root / relative.lstrip("/")

    def read(self, relative: str) -> str | None:
        """A small file's stripped text, or None when it is absent or unreadable."""
        try:
            return self.path(relative).read_text().strip()
        except OSError:
            return None

    def shown(self, relative: str) -> str:
        """The path as a user would type it on the parent (`/dev/nitro_enclaves`)."""
        return "/" + relative.lstrip("/") if self.root == Path("/") else str(self.path(relative))


@dataclass(frozen=True)
class NodeMemory:
    """One NUMA node's memory from `nodeN/meminfo` (MiB)."""

    node: int
    total_mib: int
    free_mib: int


def _ints(text: str | None) -> tuple[int, ...]:
    return parse_cpulist(text) if text else ()


def present_cpus(sysroot: SysRoot) -> tuple[int, ...]:
    """Every CPU the kernel knows (`present`), online or not."""
    return _ints(sysroot.read(f"{CPU_DIR}/present") or sysroot.read(f"{CPU_DIR}/possible"))


def online_cpus(sysroot: SysRoot) -> tuple[int, ...]:
    return _ints(sysroot.read(f"{CPU_DIR}/online"))


def numa_nodes(sysroot: SysRoot) -> tuple[int, ...]:
    """The nodes with memory or CPUs; a kernel without NUMA has only node 0."""
    nodes = _ints(sysroot.read(f"{NODE_DIR}/online") or sysroot.read(f"{NODE_DIR}/possible"))
    return nodes or (0,)


def node_of_cpus(sysroot: SysRoot) -> dict[int, int]:
    """CPU → node from each `nodeN/cpulist` (the kernel keeps offline CPUs in their node)."""
    owner: dict[int, int] = {}
    for node in numa_nodes(sysroot):
        for cpu in _ints(sysroot.read(f"{NODE_DIR}/node{node}/cpulist")):
            owner[cpu] = node
    return owner


def cpu_topology(sysroot: SysRoot) -> tuple[CpuInfo, ...]:
    """Every present CPU with its core, node and siblings, as lscpu would show them."""
    cpus = present_cpus(sysroot)
    nodes = node_of_cpus(sysroot)
    known: dict[int, tuple[int, tuple[int, ...]]] = {}
    for cpu in cpus:
        base = f"{CPU_DIR}/cpu{cpu}/topology"
        core = sysroot.read(f"{base}/core_id")
        listed = sysroot.read(f"{base}/thread_siblings_list")
        package = sysroot.read(f"{base}/physical_package_id") or "0"
        if core is not None and listed is not None:
            known[cpu] = (int(package) * 100_000 + int(core), _ints(listed))
    stride = _sibling_stride(known)
    result = []
    for cpu in cpus:
        siblings: tuple[int, ...]
        if cpu in known:
            siblings = known[cpu][1]
        elif stride:
            first = cpu % stride
            siblings = tuple(c for c in range(first, max(cpus) + 1, stride) if c in cpus)
        else:
            siblings = (cpu,)
        node = nodes.get(cpu, 0)
        result.append(CpuInfo(cpu=cpu, core=min(siblings), node=node, siblings=siblings))
    return tuple(result)


def _sibling_stride(known: dict[int, tuple[int, tuple[int, ...]]]) -> int:
    """Distance between a core's threads (0 when cores have one thread)."""
    for _, siblings in known.values():
        if len(siblings) > 1:
            return siblings[1] - siblings[0]
    return 0


def _meminfo(text: str | None) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in (text or "").splitlines():
        match = _MEM_LINE.match(line.strip())
        if match:
            values[match.group(1)] = int(match.group(2))
    return values


def node_memory(sysroot: SysRoot) -> tuple[NodeMemory, ...]:
    out = []
    for node in numa_nodes(sysroot):
        info = _meminfo(sysroot.read(f"{NODE_DIR}/node{node}/meminfo"))
        out.append(NodeMemory(node, info.get("MemTotal", 0) // KIB, info.get("MemFree", 0) // KIB))
    return tuple(out)


def total_memory_mib(sysroot: SysRoot) -> int:
    """`MemTotal` from /proc/meminfo, or the nodes' sum when procfs is absent."""
    total = _meminfo(sysroot.read("proc/meminfo")).get("MemTotal")
    if total is not None:
        return total // KIB
    return sum(n.total_mib for n in node_memory(sysroot))


def hugepage_sizes_kib(sysroot: SysRoot) -> tuple[int, ...]:
    """The page sizes this kernel offers, smallest first (`hugepages-<size>kB` directories)."""
    sizes: set[int] = set()
    for node in numa_nodes(sysroot):
        base = sysroot.path(f"{NODE_DIR}/node{node}/hugepages")
        for entry in base.iterdir() if base.is_dir() else ():
            match = _HUGEPAGE_DIR.match(entry.name)
            if match:
                sizes.add(int(match.group(1)))
    return tuple(sorted(sizes))


def hugepages(sysroot: SysRoot, what: str = "nr_hugepages") -> tuple[HugepageCount, ...]:
    """`nr_hugepages` (or `free_hugepages`) per node and size, zero counts left out."""
    out = []
    for node in numa_nodes(sysroot):
        for size in hugepage_sizes_kib(sysroot):
            raw = sysroot.read(f"{NODE_DIR}/node{node}/hugepages/hugepages-{size}kB/{what}")
            if raw and raw.isdigit() and int(raw):
                out.append(HugepageCount(node=node, size_kib=size, count=int(raw)))
    return tuple(out)


def node_capacity_mib(sysroot: SysRoot) -> dict[int, int]:
    """What each node could turn into hugepages: its free memory plus what it already reserved."""
    reserved: dict[int, int] = {}
    for page in hugepages(sysroot):
        reserved[page.node] = reserved.get(page.node, 0) + page.mib
    return {n.node: n.free_mib + reserved.get(n.node, 0) for n in node_memory(sysroot)}


def enclave_pool(sysroot: SysRoot) -> tuple[int, ...] | None:
    """The CPUs in `ne_cpus`; None when the driver is not loaded (the file is absent)."""
    text = sysroot.read(NE_CPUS)
    return None if text is None else _ints(text)


def architecture(sysroot: SysRoot) -> str | None:
    """The kernel's machine name when procfs offers it (`/proc/sys/kernel/arch`)."""
    return sysroot.read("proc/sys/kernel/arch")
