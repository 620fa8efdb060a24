"""Pure renderers for the pool screen: CPU topology, hugepages and memory, a plan, a fit."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from core.platform.base import EnclaveInfo, HostInfo, PoolPlan, PoolState
from core.platform.capacity import Fit, regions_label
from core.platform.cpulist import format_cpulist

PARENT_CPU = 0


def cpu_owner(cpu: int, pool: PoolState, holders: dict[int, str], reserved: set[int]) -> str:
    """Who has a CPU: an enclave's name, "pool (free)", "reserved" (CPU 0's core) or "parent"."""
    if cpu in holders:
        return holders[cpu]
    if cpu in pool.cpus:
        return "pool (free)"
    return "reserved" if cpu in reserved else "parent"


def topology_table(host: HostInfo, pool: PoolState, enclaves: Sequence[EnclaveInfo]) -> Table:
    """One row per core: its NUMA node, its sibling threads and who holds each thread."""
    holders = {cpu: info.name or info.enclave_id for info in enclaves for cpu in info.cpu_ids}
    parent = host.cpu(PARENT_CPU)
    reserved = set(parent.siblings) if parent is not None else {PARENT_CPU}
    table = Table(title="CPU topology", title_justify="left", expand=True, box=None)
    for column in ("NODE", "CORE", "THREADS", "HOLDERS"):
        table.add_column(column, style="bold" if column == "THREADS" else None)
    cores: dict[tuple[int, int], tuple[int, ...]] = {}
    for info in host.cpus:
        cores.setdefault((info.node, info.core), info.siblings)
    for (node, core), siblings in sorted(cores.items()):
        owners = [cpu_owner(cpu, pool, holders, reserved) for cpu in siblings]
        text = Text()
        for cpu, owner in zip(siblings, owners, strict=True):
            style = "green" if owner == "pool (free)" else "cyan" if cpu in holders else "dim"
            text.append(f"{cpu}: {owner}  ", style=style)
        table.add_row(str(node), str(core), format_cpulist(siblings), text)
    return table


def memory_table(host: HostInfo, pool: PoolState) -> Table:
    """Hugepages per size and node, and the pool's memory in use and free."""
    table = Table(title="Hugepages and memory", title_justify="left", expand=True, box=None)
    for column in ("NODE", "PAGE SIZE", "PAGES", "MiB"):
        table.add_column(column, justify="right" if column != "NODE" else "left")
    for page in host.hugepages:
        size = f"{page.size_kib // 1024} MiB" if page.size_kib >= 1024 else f"{page.size_kib} KiB"
        table.add_row(str(page.node), size, str(page.count), str(page.mib))
    if not host.hugepages:
        table.add_row("-", "-", "0", "0")
    total = pool.memory_mib
    table.caption = (
        f"pool: {total} MiB on node {pool.node}, {pool.used_memory_mib} MiB used, "
        f"{total - pool.used_memory_mib} MiB free; CPUs {format_cpulist(pool.cpus) or 'none'}, "
        f"{len(pool.used_cpus)} in use; {pool.enclaves} enclave(s); host {host.memory_mib} MiB"
    )
    table.caption_justify = "left"
    return table


def plan_view(plan: PoolPlan) -> RenderableType:
    """What applying would do, or every rule it breaks."""
    if plan.ok:
        lines = [
            Text(
                f"✓ would reserve CPUs {format_cpulist(plan.cpus)} on node {plan.node}, "
                f"{plan.memory_mib} MiB",
                style="green",
            )
        ]
        lines += [Text(f"  {step}", style="dim") for step in plan.steps[-3:]]
        return Group(*lines)
    return Group(*(Text(f"✗ {violation}", style="red") for violation in plan.violations))


def fit_view(image: str, result: Fit) -> Text:
    """How many of `image` fit, where, and the rule that stops one more."""
    text = Text()
    text.append(f"{result.count} more {image}", style="bold")
    text.append(f" fit now ({result.cpu_count} CPUs, {result.memory_mib} MiB each)\n")
    for n, place in enumerate(result.placements[:4], 1):
        text.append(f"  #{n}: CPUs {format_cpulist(place.cpus)}, {regions_label(place.regions)}\n")
    if result.count > 4:
        text.append(f"  … and {result.count - 4} more\n")
    text.append(f"why not one more: {result.why_not_more()}", style="yellow")
    if result.blocker is not None and result.blocker.fix:
        text.append(f"\n  fix: {result.blocker.fix}", style="dim")
    return text
