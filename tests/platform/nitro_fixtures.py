"""Builds sysfs/procfs trees of real parent shapes, so `NitroPlatform` reads a believable host.

The layout is what Linux shows on these instances: x86 numbers the first thread of every core,
then the second threads (m5.24xlarge: node 0 = 0-23,48-71); Graviton has one thread per core.
The CPUs of the enclave pool are offline, so, as on a real parent, they have no `topology/`.
Small on purpose: a tree is generated per test, never committed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

X86 = (2048, 1048576)
ARM64 = (64, 2048, 32768, 1048576)
PARENT_RESERVE_MIB = 1024
# nitro-cli 1.5's `run-enclave` JSON, its fields in its order (both modes print it so).
RUN_ENCLAVE_FIELDS = [
    "EnclaveName",
    "EnclaveID",
    "ProcessID",
    "EnclaveCID",
    "NumberOfCPUs",
    "CPUIDs",
    "MemoryMiB",
]


@dataclass(frozen=True)
class Shape:
    name: str
    vcpus: int
    threads: int
    nodes: int
    memory_gib: int
    arch: str
    sizes_kib: tuple[int, ...]


SHAPES = {
    s.name: s
    for s in (
        Shape("m5.2xlarge", 8, 2, 1, 32, "x86_64", X86),
        Shape("m5.24xlarge", 96, 2, 2, 384, "x86_64", X86),
        Shape("c6g.4xlarge", 16, 1, 1, 32, "aarch64", ARM64),
    )
}


@dataclass
class HostState:
    """What the allocator left: the pool's CPUs and hugepages per (node, size KiB)."""

    pool: tuple[int, ...] = ()
    pages: dict[tuple[int, int], int] = field(default_factory=dict)
    allocator_yaml: str = "---\nmemory_mib: 512\ncpu_count: 2\n"
    proxy_yaml: str | None = None
    region: str = "us-east-1"


def _fmt(cpus: list[int]) -> str:
    out, i = [], 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else f"{cpus[i]}-{cpus[j]}")
        i = j + 1
    return ",".join(out)


def layout(shape: Shape) -> dict[int, tuple[int, int, list[int]]]:
    """CPU -> (core id, node, siblings), by Linux's numbering on Nitro."""
    cores = shape.vcpus // shape.threads
    per_node = cores // shape.nodes
    return {
        cpu: (
            cpu % cores,
            (cpu % cores) // per_node,
            [cpu % cores + t * cores for t in range(shape.threads)],
        )
        for cpu in range(shape.vcpus)
    }


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text if text.endswith("\n") else text + "\n")


def build_sysroot(root: Path, shape: Shape, state: HostState | None = None) -> Path:
    """A parent instance of `shape` under `root`, with the driver loaded and `state` applied."""
    state = state or HostState()
    cpus = layout(shape)
    online = [c for c in cpus if c not in state.pool]
    base = "sys/devices/system/cpu"
    _write(root, f"{base}/present", f"0-{shape.vcpus - 1}")
    _write(root, f"{base}/possible", f"0-{shape.vcpus - 1}")
    _write(root, f"{base}/online", _fmt(online))
    for cpu, (core, _node, siblings) in cpus.items():
        _write(root, f"{base}/cpu{cpu}/online", "0" if cpu in state.pool else "1")
        if cpu in state.pool:
            continue  # the kernel drops an offline CPU's topology directory
        _write(root, f"{base}/cpu{cpu}/topology/core_id", str(core))
        _write(root, f"{base}/cpu{cpu}/topology/physical_package_id", "0")
        _write(root, f"{base}/cpu{cpu}/topology/thread_siblings_list", _fmt(siblings))
    node_mib = shape.memory_gib * 1024 // shape.nodes
    _write(root, "sys/devices/system/node/online", _fmt(list(range(shape.nodes))))
    for node in range(shape.nodes):
        nbase = f"sys/devices/system/node/node{node}"
        _write(root, f"{nbase}/cpulist", _fmt([c for c, v in cpus.items() if v[1] == node]))
        reserved = 0
        for size in shape.sizes_kib:
            count = state.pages.get((node, size), 0)
            reserved += size * count // 1024
            for name in ("nr_hugepages", "free_hugepages"):
                _write(root, f"{nbase}/hugepages/hugepages-{size}kB/{name}", str(count))
        free = node_mib - PARENT_RESERVE_MIB - reserved
        _write(
            root,
            f"{nbase}/meminfo",
            f"Node {node} MemTotal:       {node_mib * 1024} kB\n"
            f"Node {node} MemFree:        {free * 1024} kB\n",
        )
    _write(root, "proc/meminfo", f"MemTotal:       {shape.memory_gib * 1024 * 1024} kB\n")
    _write(root, "proc/sys/kernel/arch", shape.arch)
    _write(root, "sys/module/nitro_enclaves/parameters/ne_cpus", _fmt(sorted(state.pool)))
    _write(root, "sys/devices/virtual/dmi/id/board_asset_tag", "i-0123456789abcdef0")
    _write(root, "sys/devices/virtual/dmi/id/product_name", shape.name)
    _write(root, "etc/nitro_enclaves/allocator.yaml", state.allocator_yaml)
    proxy = state.proxy_yaml
    if proxy is None:
        proxy = (
            "allowlist:\n"
            f"- {{address: kms.{state.region}.amazonaws.com, port: 443}}\n"
            f"- {{address: kms-fips.{state.region}.amazonaws.com, port: 443}}\n"
        )
    _write(root, "etc/nitro_enclaves/vsock-proxy.yaml", proxy)
    device = root / "dev/nitro_enclaves"
    device.parent.mkdir(parents=True, exist_ok=True)
    device.touch()
    os.chmod(device, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IWGRP)
    return root


def write_program(directory: Path, name: str, body: str) -> Path:
    """An executable shell script `name` in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


def allocator_service(root: Path, journal: Path) -> int:
    """A stand-in for nitro-enclaves-allocator.service on a fixture tree: applies allocator.yaml
    with the shared rules, writes `ne_cpus` and the node's hugepages, logs like the service."""
    from core.platform.nitro import sysfs
    from core.platform.nitro.allocator import read_config
    from core.platform.nitro.platform import NitroPlatform
    from core.platform.nitro.sysfs import SysRoot

    sysroot = SysRoot(root)
    config = read_config(sysroot)
    assert config is not None
    plan = NitroPlatform(sysroot=sysroot).plan_pool(config)
    with journal.open("a") as log:
        log.writelines(f"{step}\n" for step in plan.steps)
        if not plan.ok:
            log.write(f"Error: {plan.violations[0]}\n")
            return 1
    _write(root, sysfs.NE_CPUS, _fmt(list(plan.cpus)))
    granted = {(h.node, h.size_kib): h.count for h in plan.hugepages}
    for size in sysfs.hugepage_sizes_kib(sysroot):
        assert plan.node is not None
        count = str(granted.get((plan.node, size), 0))
        base = f"sys/devices/system/node/node{plan.node}/hugepages/hugepages-{size}kB"
        _write(root, f"{base}/nr_hugepages", count)
        _write(root, f"{base}/free_hugepages", count)
    return 0


SERVICE_MAIN = """
import sys; from pathlib import Path
sys.path.insert(0, {here!r}); sys.path.insert(0, {repo!r})
from nitro_fixtures import allocator_service
if sys.argv[1:] == ["restart", "nitro-enclaves-allocator.service"]:
    sys.exit(allocator_service(Path({root!r}), Path({journal!r})))
if sys.argv[1:2] == ["is-active"]:
    print("active"); sys.exit(0)
sys.exit(5)
"""


def install_systemd(bin_dir: Path, root: Path, repo: Path) -> Path:
    """`systemctl` and `journalctl` stand-ins on PATH for the allocator service on `root`."""
    import sys

    journal = bin_dir / "journal.txt"
    journal.touch()
    script = bin_dir / "systemctl.py"
    script.write_text(
        SERVICE_MAIN.format(
            here=str(Path(__file__).parent), repo=str(repo), root=str(root), journal=str(journal)
        )
    )
    write_program(bin_dir, "systemctl", f'exec "{sys.executable}" "{script}" "$@"')
    write_program(bin_dir, "journalctl", f'cat "{journal}"')
    return journal


def install_nitro_cli(directory: Path) -> Path:
    """`nitro-cli` in `directory`: nitrodeck's nitro-cli front end over the simulator."""
    import sys

    repo = Path(__file__).resolve().parents[2]
    return write_program(
        directory,
        "nitro-cli",
        f'PYTHONPATH="{repo}" exec "{sys.executable}" -m tui.cli.nitro_cli "$@"',
    )
