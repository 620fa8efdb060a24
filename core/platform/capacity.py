"""How many more enclaves of one shape fit in the pool, and the rule that stops one more.

Pure: it replays run-enclave's own rules (`core.platform.rules`) on a copy of the pool's free
CPUs and hugepages, launch after launch, until one fails; that failure (nitro-cli's E-code,
message and fix) is the answer to "why not one more". The same answer on every platform.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.nitro_errors import NitroCliError
from core.platform import rules
from core.platform.base import CpuInfo, EnclaveInfo, Platform, PoolPlan, PoolState

# A loop guard, far above any pool's CPU count (every enclave needs at least one CPU).
MAX_FIT = 4096


@dataclass(frozen=True)
class Placement:
    """Where one more enclave would land: its CPUs and memory regions (page sizes in MiB)."""

    cpus: tuple[int, ...]
    regions: tuple[int, ...]


def regions_label(regions: Sequence[int]) -> str:
    """(2, 2, 2, 512) → `"512 MiB + 3 × 2 MiB"`: regions grouped by page size."""
    sizes = sorted(set(regions), reverse=True)
    return " + ".join(
        f"{n} × {size} MiB" if (n := list(regions).count(size)) > 1 else f"{size} MiB"
        for size in sizes
    )


def memory_sentence(asked: int, regions: Sequence[int], free: Mapping[int, int]) -> str:
    """Why an enclave gets more memory than asked: it is made of whole hugepages.

    e.g. "you asked 128 MiB; the pool's free memory is 1 × 1 GiB page, so the enclave gets
    1024 MiB (1024 MiB) and 0 MiB are left".
    """
    got = sum(regions)
    left = sum(size * n for size, n in free.items()) - got
    return (
        f"you asked {asked} MiB; the pool's free memory is {rules.pages_label(free)}, so the "
        f"enclave gets {got} MiB ({regions_label(regions)}) and {left} MiB are left"
    )


@dataclass(frozen=True)
class Fit:
    """The answer: `count` more enclaves fit; `blocker` is why one more does not."""

    memory_mib: int
    cpu_count: int
    placements: tuple[Placement, ...]
    blocker: NitroCliError | None
    free_pages: Mapping[int, int] = field(default_factory=dict)
    """The pool's free hugepages (size in MiB → count) before the first placement."""

    def memory_note(self) -> str:
        """How the first placement's memory is made of pages ("" when none fits)."""
        if not self.placements:
            return ""
        return memory_sentence(self.memory_mib, self.placements[0].regions, self.free_pages)

    @property
    def count(self) -> int:
        return len(self.placements)

    def why_not_more(self) -> str:
        """One line: the rule (with nitro-cli's code) that the next launch would break."""
        if self.blocker is None:
            return "no rule stops another one"
        return f"{self.blocker.name}: {self.blocker.detail or self.blocker.what}"


def free_pages(pool: PoolState, enclaves: Sequence[EnclaveInfo]) -> dict[int, int]:
    """The pool's free hugepages by size in MiB: its reserved pages minus the running enclaves'.

    Enclaves report their memory, not their regions, so their regions are replayed with
    nitro-cli's own allocation (the same answer it gave each launch on an unchanged pool).
    """
    free: dict[int, int] = {}
    for page in pool.hugepages:
        if page.node == pool.node and page.size_kib >= 2048:
            size = page.size_kib // 1024
            free[size] = free.get(size, 0) + page.count
    for info in enclaves:
        try:
            regions = rules.allocate_regions(info.memory_mib, free)
        except NitroCliError:
            return {size: 0 for size in free}
        for size in regions:
            free[size] -= 1
    return free


def default_cpu_count(topology: Mapping[int, CpuInfo]) -> int:
    """One full core: the smallest CPU count the driver accepts."""
    return max((len(c.siblings) for c in topology.values()), default=1)


def fit(
    *,
    eif_size: int,
    memory_mib: int | None,
    cpu_count: int | None,
    pool: PoolState,
    enclaves: Sequence[EnclaveInfo],
    topology: Mapping[int, CpuInfo],
) -> Fit:
    """Launch after launch on a copy of the free resources until run-enclave's rules refuse.

    `memory_mib` None → the smallest memory nitro-cli accepts for this image (4 × its size, at
    least the driver's 64 MiB); `cpu_count` None → one full core.
    """
    memory = memory_mib
    if memory is None:
        memory = max(rules.min_memory_mib(eif_size), rules.DRIVER_MIN_MEMORY_MIB)
    count = cpu_count if cpu_count is not None else default_cpu_count(topology)
    placements: list[Placement] = []
    free = free_pages(pool, enclaves)
    start = dict(free)
    try:
        rules.check_memory(memory, eif_size)
        rules.check_cpu_count(count, pool.cpus)
        used = set(pool.used_cpus)
        while len(placements) < MAX_FIT:
            cpus = rules.pick_cpus(count, pool.cpus, used, topology)
            regions = rules.allocate_regions(memory, free)
            for size in regions:
                free[size] -= 1
            used.update(cpus)
            placements.append(Placement(cpus, tuple(regions)))
    except NitroCliError as error:
        return Fit(memory, count, tuple(placements), error, start)
    return Fit(memory, count, tuple(placements), None, start)


def fit_on(
    platform: Platform,
    eif_path: Path,
    *,
    memory_mib: int | None = None,
    cpu_count: int | None = None,
    plan: PoolPlan | None = None,
) -> Fit:
    """`fit` against the platform's pool as it is now (or as `plan` would make it, unsaved
    allocator edits), for the EIF at `eif_path`.

    The image is read and checked first: a broken EIF would never launch, so none fit.
    """
    from core.eif.reader import validate_eif

    size = validate_eif(eif_path).size
    host = platform.host_info()
    return fit(
        eif_size=size,
        memory_mib=memory_mib,
        cpu_count=cpu_count,
        pool=platform.pool_state() if plan is None else planned_pool(plan),
        enclaves=platform.describe_enclaves() if plan is None else (),
        topology={c.cpu: c for c in host.cpus},
    )


def planned_pool(plan: PoolPlan) -> PoolState:
    """The pool `plan` would leave, empty: a plan is only applied with no enclave running."""
    return PoolState(
        config=plan.config,
        cpus=plan.cpus,
        node=plan.node,
        hugepages=plan.hugepages,
        used_cpus=(),
        used_memory_mib=0,
        enclaves=0,
    )


def fit_json(result: Fit) -> dict[str, object]:
    """The answer as `pool fit --json` prints it."""
    blocker = result.blocker
    return {
        "Fits": result.count,
        "MemoryMiB": result.memory_mib,
        "CPUCount": result.cpu_count,
        "Placements": [
            {"CPUIDs": list(p.cpus), "RegionsMiB": list(p.regions)} for p in result.placements
        ],
        "WhyNotMore": None
        if blocker is None
        else {
            "Code": blocker.name,
            "Message": blocker.what,
            "Detail": blocker.detail,
            "Fix": blocker.fix,
        },
    }
