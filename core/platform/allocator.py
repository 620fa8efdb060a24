"""The nitro-enclaves-allocator service's algorithm and messages, as pure functions.

`plan_allocation` runs the service's steps against a copy of the hugepage counts and returns
what it would print and every rule the config breaks (the real script stops at the first; a plan
lists them all). Applying is the platform's job: it persists a plan that has no violations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.nitro_errors import NitroCliError
from core.platform.base import KIB, CpuInfo, HostInfo, HugepageCount, PoolConfig, PoolPlan
from core.platform.cpulist import format_cpulist, parse_cpulist
from core.platform.rules import DRIVER_MIN_MEMORY_MIB

SHIPPED_DEFAULTS = PoolConfig(memory_mib=512, cpu_count=2)
RUNNING_MSG = (
    "Could not re-online CPUs because there is at least one enclave currently running. Make sure "
    "you stop all enclaves prior to re-starting the nitro-enclaves-allocator.service."
)
SUCCESS_PREFIX = "Successfully allocated Nitro Enclaves resources:"
MSG_INSUFFICIENT_MEMORY = (
    "Failed to configure entire amount of requested memory. This indicates insufficient system "
    "resources."
)
MSG_INVALID_NODE = "Invalid NUMA node for a CPU. This indicates an invalid CPU ID."
MSG_POOL_WRITE = "Failed to configure the CPU pool."
MSG_NO_CPUS = (
    "Failed to find suitable CPUs for the Nitro Enclaves CPU pool after checking all NUMA nodes."
)

Pages = dict[tuple[int, int], int]  # (node, size_kib) -> nr_hugepages


@dataclass
class _Run:
    steps: list[str]
    violations: list[str]


def parse_allocator_yaml(text: str, where: str = "allocator.yaml") -> PoolConfig:
    """The service's trivial parser: `key: value` lines after `---`, `#` comments skipped."""
    values: dict[str, str] = {}
    started = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line == "---":
            started = True
            continue
        if not started:
            continue
        key, _, value = line.partition(":")
        key = key.strip()
        value = value.split("#", 1)[0].strip().strip('"')
        if key not in ("memory_mib", "cpu_count", "cpu_pool"):
            raise ValueError(f"Error in {where}:{number} - unexpected: {key}")
        if not value:
            raise ValueError(f"Error in {where}:{number} - missing value for {key}")
        values[key] = value
    memory = values.get("memory_mib")
    count = values.get("cpu_count")
    if memory is not None and not memory.isdigit():
        raise ValueError(f"The needed memory amount ({memory}) is invalid.")
    if count is not None and not count.isdigit():
        raise ValueError(f"The CPU count value ({count}) is invalid.")
    return PoolConfig(
        memory_mib=int(memory) if memory is not None else None,
        cpu_count=int(count) if count is not None else None,
        cpu_pool=values.get("cpu_pool"),
    )


def plan_allocation(
    config: PoolConfig,
    host: HostInfo,
    pages: Mapping[tuple[int, int], int],
    node_capacity_mib: Mapping[int, int],
    running_enclaves: int | Sequence[str],
) -> PoolPlan:
    """What the allocator would do with `config` on `host`, given the current hugepages.

    `running_enclaves` are the running enclaves' names (or just how many): a refusal names them.
    """
    run = _Run(steps=[], violations=[])
    work: Pages = dict(pages)
    cpus: tuple[int, ...] = ()
    node: int | None = None
    _check_config(config, run)
    if running_enclaves:
        run.violations.append(running_message(running_enclaves))
    if config.cpu_count is not None and config.cpu_pool is None:
        cpus, node = _by_count(config, host, work, node_capacity_mib, run)
    elif config.cpu_pool is not None and config.cpu_count is None:
        cpus, node = _by_pool(config.cpu_pool, host, run)
        run.steps.append("Configuring the enclave CPU pool...")
        if node is not None and config.memory_mib is not None:
            _reserve(config.memory_mib, node, host, work, node_capacity_mib, run)
    if not run.violations:
        cpu_msg = (
            f"{config.cpu_count} CPUs"
            if config.cpu_count is not None
            else f"CPU pool: {config.cpu_pool}"
        )
        run.steps.append(f"{SUCCESS_PREFIX} {config.memory_mib} MiB, {cpu_msg}")
    hugepages = tuple(
        HugepageCount(node=n, size_kib=s, count=c)
        for (n, s), c in sorted(work.items())
        if c and (node is None or n == node)
    )
    return PoolPlan(
        config=config,
        cpus=cpus,
        node=node,
        hugepages=hugepages,
        steps=tuple(run.steps),
        violations=tuple(run.violations),
    )


def running_message(running: int | Sequence[str]) -> str:
    """The allocator's refusal, naming the enclaves to terminate first when they are known."""
    if isinstance(running, int):
        return RUNNING_MSG
    names = ", ".join(running)
    return (
        f"{RUNNING_MSG} Running now: {names} (nitrodeck terminate-enclave --enclave-name NAME, "
        "or --all)."
    )


def preview_steps(plan: PoolPlan) -> list[str]:
    """The plan's steps worded as a preview: nothing has been allocated until it is applied."""
    return [
        step.replace(SUCCESS_PREFIX, "Applying would allocate Nitro Enclaves resources:", 1)
        for step in plan.steps
    ]


def _check_config(config: PoolConfig, run: _Run) -> None:
    if config.memory_mib is None:
        run.violations.append("Config error: missing memory reservation (`memory_mib`).")
    elif config.memory_mib <= 0:
        run.violations.append(f"The needed memory amount ({config.memory_mib}) is invalid.")
    elif config.memory_mib < DRIVER_MIN_MEMORY_MIB:
        run.violations.append(
            f"memory_mib {config.memory_mib} is below the {DRIVER_MIN_MEMORY_MIB} MiB every "
            f"enclave needs (the driver's minimum): no enclave could run in this pool; "
            f"reserve {DRIVER_MIN_MEMORY_MIB} MiB or more."
        )
    if config.cpu_count is None and config.cpu_pool is None:
        run.violations.append(
            "Config error: missing CPU reservation (either `cpu_count` or `cpu_pool`)."
        )
    if config.cpu_count is not None and config.cpu_pool is not None:
        run.violations.append("Config error: `cpu_count` conflicts with `cpu_pool`.")


def _by_count(
    config: PoolConfig,
    host: HostInfo,
    work: Pages,
    capacity: Mapping[int, int],
    run: _Run,
) -> tuple[tuple[int, ...], int | None]:
    count = config.cpu_count or 0
    threads = host.threads_per_core
    run.steps.append("Auto-generating the enclave CPU pool by using the CPU count...")
    if count <= 0:
        run.violations.append("Provided CPU count is not higher than 0.")
        return (), None
    if count > len(host.cpus):
        run.violations.append(
            f"Provided CPU count is higher than available CPUs - {len(host.cpus)}."
        )
        return (), None
    if count % threads:
        run.violations.append(f"The CPU count is not multiple of {threads} (threads per core).")
        return (), None
    cpu0 = host.cpu(0)
    memory_failed = False
    for node in host.numa_nodes:
        chosen = _full_cores_on(node, count, host, cpu0)
        if chosen is None:
            continue
        if config.memory_mib is None or config.memory_mib <= 0:
            return chosen, node
        run.steps.append(f"Will try to reserve {config.memory_mib} MB of memory on node {node}.")
        trial: Pages = dict(work)
        sub = _Run(steps=[], violations=[])
        _reserve(config.memory_mib, node, host, trial, capacity, sub)
        run.steps.extend(sub.steps)
        if not sub.violations:
            work.clear()
            work.update(trial)
            run.steps.append(f"Auto-generated the enclave CPU pool: {format_cpulist(chosen)}.")
            run.steps.append("Configuring the enclave CPU pool...")
            return chosen, node
        memory_failed = True
    run.violations.append(MSG_INSUFFICIENT_MEMORY if memory_failed else MSG_NO_CPUS)
    return (), None


def _full_cores_on(
    node: int, count: int, host: HostInfo, cpu0: CpuInfo | None
) -> tuple[int, ...] | None:
    """Full cores of `node`, skipping CPU 0's core, in CPU order, until `count` threads."""
    reserved = set(cpu0.siblings) if cpu0 else {0}
    chosen: list[int] = []
    for cpu in sorted(host.cpus, key=lambda c: c.cpu):
        if cpu.node != node or cpu.cpu in reserved or cpu.cpu in chosen:
            continue
        if any(s in reserved for s in cpu.siblings):
            continue
        chosen.extend(s for s in sorted(cpu.siblings) if s not in chosen)
        if len(chosen) == count:
            return tuple(sorted(chosen))
    return None


def _by_pool(text: str, host: HostInfo, run: _Run) -> tuple[tuple[int, ...], int | None]:
    """The driver's checks when `cpu_pool` is written to `ne_cpus`, each as its own violation."""
    try:
        cpus = parse_cpulist(text)
    except NitroCliError as error:
        run.violations.append(f"{MSG_POOL_WRITE} ({error.detail})")
        return (), None
    if not cpus:
        run.violations.append("No CPUs are off-line. Please configure the CPU pool first.")
        return (), None
    known = {c.cpu: c for c in host.cpus}
    missing = [c for c in cpus if c not in known]
    if missing:
        run.violations.append(
            f"{MSG_POOL_WRITE} CPU(s) {format_cpulist(missing)} do not exist on this "
            f"{host.instance_type} (CPUs 0-{len(host.cpus) - 1})."
        )
    present = [known[c] for c in cpus if c in known]
    cpu0 = known.get(0)
    if cpu0 and any(c.cpu in cpu0.siblings for c in present):
        run.violations.append(
            f"{MSG_POOL_WRITE} CPU 0 and its siblings ({format_cpulist(cpu0.siblings)}) must stay "
            "with the parent instance."
        )
    partial = sorted({c.core for c in present if not all(s in cpus for s in c.siblings)})
    if partial:
        lacking = sorted(
            {s for c in present if c.core in partial for s in c.siblings if s not in cpus}
        )
        run.violations.append(
            f"{MSG_POOL_WRITE} The pool must hold full cores: add CPU(s) "
            f"{format_cpulist(lacking)} (siblings of core(s) {', '.join(map(str, partial))})."
        )
    nodes = sorted({c.node for c in present})
    if len(nodes) > 1:
        run.violations.append(f"Error: {MSG_INVALID_NODE} (CPUs span NUMA nodes {nodes})")
    return tuple(c.cpu for c in present), (nodes[0] if len(nodes) == 1 else None)


def _reserve(
    memory_mib: int,
    node: int,
    host: HostInfo,
    work: Pages,
    capacity: Mapping[int, int],
    run: _Run,
) -> None:
    """Clear every size, then reserve largest-first; roll back when the total falls short."""
    run.steps.append("Configuring the huge page memory...")
    sizes = sorted(host.hugepage_sizes_kib, reverse=True)
    smallest = sizes[-1] * KIB
    remaining = -(-memory_mib * KIB * KIB // smallest) * smallest
    previous = {k: v for k, v in work.items() if k[0] == node}
    for size in sizes:
        work[(node, size)] = 0
    for size in sizes:
        page = size * KIB
        want = remaining // page
        used = sum(s * KIB * c for (n, s), c in work.items() if n == node)
        granted = min(want, max(0, capacity[node] * KIB * KIB - used) // page)
        work[(node, size)] = granted
        if granted:
            run.steps.append(f"- Reserved {granted} pages of type: {_size_key(size)}.")
        remaining -= page * granted
        if remaining == 0:
            break
    if remaining:
        run.steps.append("Memory configuration failed, rolling back memory reservations...")
        for size in sizes:
            work[(node, size)] = previous.get((node, size), 0)
        run.violations.append(MSG_INSUFFICIENT_MEMORY)
        return
    run.steps.append("Done.")


def _size_key(size_kib: int) -> str:
    return f"{size_kib}kB"
