"""Every rule a run-enclave request breaks, before it is submitted (the app's run form).

run-enclave stops at the first broken rule; a form wants them all at once, each with
nitro-cli's E-code and the fix. The checks are `core.platform.rules`' own, applied to the
pool as it is now (its CPUs, the CPUs and hugepages running enclaves hold).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform import rules
from core.platform.base import CpuInfo, EnclaveInfo, PoolState, RunRequest
from core.platform.capacity import free_pages


@dataclass(frozen=True)
class RunContext:
    """What the rules are checked against: the pool, the CPU topology, the running enclaves."""

    pool: PoolState
    topology: Mapping[int, CpuInfo]
    enclaves: Sequence[EnclaveInfo]


def _collect(checks: Sequence[Callable[[], object]]) -> list[NitroCliError]:
    broken: list[NitroCliError] = []
    for check in checks:
        try:
            check()
        except NitroCliError as error:
            broken.append(error)
    return broken


def request_violations(
    request: RunRequest, eif_size: int, context: RunContext
) -> list[NitroCliError]:
    """The rules `request` breaks, in run-enclave's order (empty: it would be accepted)."""
    pool = context.pool
    used = set(pool.used_cpus)
    broken = _collect(
        [
            lambda: rules.check_cid(request.enclave_cid),
            lambda: rules.check_memory(request.memory_mib, eif_size),
        ]
    )
    if request.cpu_ids is not None:
        ids = request.cpu_ids
        known = [c for c in ids if c in context.topology]
        broken += _collect(
            [
                lambda: rules.check_cpu_ids(ids, pool.cpus),
                lambda: rules.check_cpus_free(ids, used),
                lambda: rules.check_full_cores(known, context.topology),
            ]
        )
    else:
        count = request.cpu_count or 0
        broken += _collect([lambda: rules.check_cpu_count(count, pool.cpus)]) or _collect(
            [lambda: rules.pick_cpus(count, pool.cpus, used, context.topology)]
        )
    if request.enclave_cid is not None and request.enclave_cid in {e.cid for e in context.enclaves}:
        broken.append(
            NitroCliError(
                NitroCliCode.IoctlFailure,
                detail=f"The enclave CID {request.enclave_cid} is already used by a running "
                "enclave",
                fix="pick another CID, or leave it empty to get one assigned",
            )
        )
    memory_ok = not any(e.cli_code is NitroCliCode.InsufficientMemoryRequested for e in broken)
    if memory_ok and request.memory_mib > 0:
        free = free_pages(pool, context.enclaves)
        broken += _collect([lambda: rules.allocate_regions(request.memory_mib, free)])
    return broken
