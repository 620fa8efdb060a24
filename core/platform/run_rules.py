"""run-enclave's rules in run-enclave's order, written once.

The simulator's launcher stops at the first broken rule, as run-enclave does; the app's run form
lists every broken rule at once. Both walk `plan_run`, which applies `core.platform.rules`'
checks to a pool as it is now and returns what the request would get (its CPUs and memory
regions) together with every rule it breaks.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform import rules
from core.platform.base import CpuInfo, RunRequest

T = TypeVar("T")


@dataclass(frozen=True)
class PoolNow:
    """The pool a request is checked against: its CPUs, who uses what, the free hugepages."""

    cpus: Sequence[int]
    used_cpus: Collection[int]
    topology: Mapping[int, CpuInfo]
    free_pages: Mapping[int, int]
    """Free hugepages of the pool's node by page size in MiB."""
    cids: Collection[int] = ()
    """The CIDs running enclaves hold."""


@dataclass
class RunPlan:
    """What the request gets (CPUs, memory regions) and, when collecting, every broken rule."""

    cpus: tuple[int, ...] = ()
    regions: tuple[int, ...] = ()
    broken: list[NitroCliError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken


class _Walk:
    """Runs one rule: its value, or (collecting) None with the error noted; strict re-raises."""

    def __init__(self, every: bool) -> None:
        self.every = every
        self.plan = RunPlan()

    def rule(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except NitroCliError as error:
            if not self.every:
                raise
            self.plan.broken.append(error)
            return None

    def passed(self, check: Callable[[], object]) -> bool:
        before = len(self.plan.broken)
        self.rule(check)
        return len(self.plan.broken) == before


def cid_in_use(cid: int) -> NitroCliError:
    return NitroCliError(
        NitroCliCode.IoctlFailure,
        detail=f"The enclave CID {cid} is already used by a running enclave",
        fix="pick another CID, or leave it out to get one assigned",
    )


def _check_cid_free(cid: int | None, taken: Collection[int]) -> None:
    if cid is not None and cid in taken:
        raise cid_in_use(cid)


def plan_run(request: RunRequest, eif_size: int, pool: PoolNow, *, every: bool = False) -> RunPlan:
    """The rules in run-enclave's order: the CID; the CPUs against the pool (E20-E22, checked by
    nitro-cli's enclave process before the memory); the memory for the image (E26); the CPUs
    free and whole cores (or picked as the driver would, E29); hugepages for the memory (E27);
    the CID not in use. `every`: note each broken rule and go on (a rule that depends on a
    broken one is skipped); else raise the first."""
    walk = _Walk(every)
    walk.rule(lambda: rules.check_cid(request.enclave_cid))
    used = set(pool.used_cpus)
    count = request.cpu_count or 0
    ids = request.cpu_ids
    if ids is not None:
        listed_ok = walk.passed(lambda: rules.check_cpu_ids(ids, pool.cpus))
    else:
        listed_ok = count <= len(pool.cpus) or walk.passed(
            lambda: rules.check_cpu_count(count, pool.cpus)
        )
    memory_ok = walk.passed(lambda: rules.check_memory(request.memory_mib, eif_size))
    if ids is not None:
        walk.rule(lambda: rules.check_cpus_free(ids, used))
        known = [c for c in ids if c in pool.topology]
        if walk.passed(lambda: rules.check_full_cores(known, pool.topology)) and listed_ok:
            walk.plan.cpus = tuple(sorted(ids))
    elif listed_ok and walk.passed(lambda: rules.check_cpu_count(count, pool.cpus)):
        picked = walk.rule(lambda: rules.pick_cpus(count, pool.cpus, used, pool.topology))
        walk.plan.cpus = picked or ()
    if memory_ok:
        regions = walk.rule(lambda: rules.allocate_regions(request.memory_mib, pool.free_pages))
        walk.plan.regions = tuple(regions or ())
    walk.rule(lambda: _check_cid_free(request.enclave_cid, pool.cids))
    return walk.plan
