"""Run an enclave with its rules: what a request would break on the pool as it is now, then the
launch and what the enclave got. `nitrodeck run-enclave` and the Enclaves view's run form both
drive it; the rules' order is `core.platform.run_rules`' (the same walk the simulator runs)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.errors import NitrodeckError
from core.nitro_errors import NitroCliError
from core.platform import rules
from core.platform.base import CpuInfo, EnclaveInfo, Platform, PoolState, RunRequest
from core.platform.capacity import free_pages, memory_sentence
from core.platform.run_rules import PoolNow, plan_run
from core.steps import OK, Progress, report


@dataclass(frozen=True)
class RunContext:
    """What a request is checked against: the pool, the CPU topology, the running enclaves."""

    pool: PoolState
    topology: Mapping[int, CpuInfo]
    enclaves: Sequence[EnclaveInfo]

    def pool_now(self) -> PoolNow:
        return PoolNow(
            cpus=self.pool.cpus,
            used_cpus=self.pool.used_cpus,
            topology=self.topology,
            free_pages=free_pages(self.pool, self.enclaves),
            cids={e.cid for e in self.enclaves},
        )


def pool_now(platform: Platform) -> RunContext:
    """The pool, the CPU topology and the running enclaves a request is checked against
    (blocking: call it from a worker)."""
    return RunContext(
        pool=platform.pool_state(),
        topology={c.cpu: c for c in platform.host_info().cpus},
        enclaves=platform.describe_enclaves(),
    )


def broken_rules(request: RunRequest, context: RunContext) -> list[NitroCliError]:
    """Every rule `request` breaks on `context`'s pool, in run-enclave's order (nitro-cli's
    E-code and the fix each); empty when it would start. run-enclave stops at the first; a form
    wants them all at once."""
    size = request.eif_path.stat().st_size
    return plan_run(request, size, context.pool_now(), every=True).broken


def memory_note(request: RunRequest, context: RunContext) -> str:
    """How the memory asked for is made of the pool's whole hugepages (what the enclave gets);
    empty when the pool cannot hold it."""
    free = free_pages(context.pool, context.enclaves)
    try:
        regions = rules.allocate_regions(request.memory_mib, free)
    except NitrodeckError:
        return ""
    return memory_sentence(request.memory_mib, regions, free)


@dataclass(frozen=True)
class RunOutcome:
    info: EnclaveInfo
    asked_memory_mib: int
    seconds: float

    @property
    def memory(self) -> str:
        """The memory it got, and why it is more than asked (whole hugepages) when it is."""
        got = f"{self.info.memory_mib} MiB"
        if self.info.memory_mib != self.asked_memory_mib:
            got += f" (asked {self.asked_memory_mib} MiB; memory comes in whole hugepages)"
        return got

    def summary(self) -> str:
        info = self.info
        return (
            f"{info.name} running: {info.enclave_id}, CID {info.cid}, {self.memory} "
            f"({self.seconds:.1f} s)"
        )


def run_enclave(
    platform: Platform, request: RunRequest, progress: Progress | None = None
) -> RunOutcome:
    """Start the enclave; the platform applies the rules and raises the first one broken
    (`NitroCliError`, exit status = its E-number). Reports nitro-cli's two progress lines (after
    the checks, which come first in nitro-cli too) and why the memory is more than asked."""
    began = time.monotonic()
    info = platform.run_enclave(request)
    report(progress, "allocate", OK, "Start allocating memory...")
    cpus = ", ".join(str(c) for c in info.cpu_ids)
    report(
        progress,
        "started",
        OK,
        f"Started enclave with enclave-cid: {info.cid}, memory: {info.memory_mib} MiB, "
        f"cpu-ids: [{cpus}]",
    )
    if info.memory_mib > request.memory_mib:
        report(
            progress,
            "memory",
            OK,
            f"Memory is given in whole hugepages of the pool: you asked {request.memory_mib} MiB, "
            f"the enclave got {info.memory_mib} MiB (nitrodeck pool show lists the page sizes)",
        )
    return RunOutcome(info, request.memory_mib, time.monotonic() - began)
