"""run-enclave's rules with nitro-cli's error codes, shared by every platform (pure functions).

Each check raises the `NitroCliError` nitro-cli (or the Nitro Enclaves driver, whose errno
nitro-cli reports inside E29) raises for the same input, so an operator who learns the rules on
the simulator meets the same answers on AWS.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path

from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform.base import MIB, CpuInfo, EnclaveInfo

U32_MAX = 0xFFFF_FFFF
MIN_CID_AUTO = 16
DRIVER_MIN_MEMORY_MIB = 64
# nitro-cli's hugepage sizes for enclave memory, largest first (resource_manager.rs), in MiB.
ENCLAVE_PAGE_SIZES_MIB = (16384, 2048, 1024, 512, 256, 32, 16, 8, 2)

# The driver's errors (include/uapi/linux/nitro_enclaves.h) as nitro-cli words them inside E29.
DRIVER_ERRORS = {
    256: "The provided vCPU is already used by another enclave",
    257: "The provided vCPU is not available in the CPU pool",
    258: "The vCPU core ID is invalid for the CPU pool",
    267: "The enclave cannot start because no vCPUs have been added",
    268: "The enclave's memory size is lower than the minimum supported",
    269: "The enclave cannot start because full CPU cores have not been set",
    272: "The enclave cannot be created because no CPUs are available in the pool",
    275: "The provided enclave CID is invalid, being a well-known CID or the parent VM CID",
}
NE_ERR_VCPU_ALREADY_USED = 256
NE_ERR_NO_VCPUS_ADDED = 267
NE_ERR_ENCLAVE_MEM_MIN_SIZE = 268
NE_ERR_FULL_CORES_NOT_USED = 269
NE_ERR_NO_CPUS_AVAIL_IN_POOL = 272


def driver_error(errno: int, fix: str | None = None) -> NitroCliError:
    """E29 carrying the driver's sentence, as nitro-cli reports a failed ioctl."""
    return NitroCliError(NitroCliCode.IoctlFailure, detail=DRIVER_ERRORS[errno], fix=fix)


_MEMORY = re.compile(r"^(\d+)([MmGgTt]?)$")
_SUFFIX = {"": 1, "M": 1, "G": 1024, "T": 1024 * 1024}


def parse_memory(text: str) -> int:
    """`--memory` in MiB: an integer with an optional M/G/T suffix (nitro-cli's parser)."""
    match = _MEMORY.match(text.strip())
    if not match:
        raise NitroCliError(
            NitroCliCode.InvalidArgument,
            "memory",
            text,
            fix="give the memory in MiB, optionally with a suffix: 512, 512M, 2G, 1T",
        )
    return int(match.group(1)) * _SUFFIX[match.group(2).upper()]


def check_cid(cid: int | None) -> int | None:
    """None or 0 → auto-assign (None); 1, 2, 3 and ≥ u32::MAX are E03, as nitro-cli rejects."""
    if cid is None or cid == 0:
        return None
    if cid in (1, 2, 3) or cid >= U32_MAX or cid < 0:
        raise NitroCliError(
            NitroCliCode.InvalidArgument,
            "enclave-cid",
            cid,
            detail="CIDs 1 and 2 are well-known, 3 is the parent instance, and a CID must be "
            "below 4294967295",
            fix=f"omit --enclave-cid (or pass 0) to get one assigned from {MIN_CID_AUTO}",
        )
    return cid


def min_memory_mib(eif_size: int) -> int:
    """4 × the EIF size rounded up to MiB: nitro-cli's E26 threshold."""
    return 4 * math.ceil(eif_size / MIB)


def check_memory(memory_mib: int, eif_size: int) -> None:
    """E26 under 4 × the EIF size (or 0), then the driver's 64 MiB minimum (E29)."""
    need = min_memory_mib(eif_size)
    if memory_mib <= 0 or memory_mib < need:
        least = max(need, DRIVER_MIN_MEMORY_MIB)
        raise NitroCliError(
            NitroCliCode.InsufficientMemoryRequested,
            "memory",
            memory_mib,
            need,
            detail=f"At least {need} MB must be allocated (which is 4 times the EIF file size)"
            + (
                f"; the driver's own minimum is {DRIVER_MIN_MEMORY_MIB} MiB, so this image "
                f"needs at least {least} MiB"
                if least > need
                else ""
            ),
            fix=f"run with --memory {least} or more",
        )
    if memory_mib < DRIVER_MIN_MEMORY_MIB:
        raise driver_error(
            NE_ERR_ENCLAVE_MEM_MIN_SIZE, fix=f"run with --memory {DRIVER_MIN_MEMORY_MIB} or more"
        )


def check_cpu_ids(cpu_ids: Sequence[int], pool: Collection[int]) -> None:
    """E20 for a CPU given twice, E21 for a CPU outside the pool (`ne_cpus`)."""
    listed = " ".join(str(c) for c in cpu_ids)
    dups = sorted({c for c in cpu_ids if list(cpu_ids).count(c) > 1})
    if dups:
        raise NitroCliError(
            NitroCliCode.InvalidCpuConfiguration,
            "cpu-ids",
            ", ".join(str(c) for c in dups),
            fix="list each CPU once, e.g. --cpu-ids "
            + " ".join(str(c) for c in sorted(set(cpu_ids))),
        )
    for cpu in cpu_ids:
        if cpu not in pool:
            raise NitroCliError(
                NitroCliCode.NoSuchCpuAvailableInPool,
                "cpu-ids",
                cpu,
                detail=f"--cpu-ids {listed}; the pool holds CPUs {_fmt(pool)}",
                fix="pick CPUs from the pool (nitrodeck pool show) or change it with "
                "nitrodeck pool apply --cpu-pool",
            )


def check_cpu_count(count: int, pool: Collection[int]) -> None:
    """E22 when more CPUs are asked for than the pool holds; 0 CPUs fails at start (E29)."""
    if count > len(pool):
        raise NitroCliError(
            NitroCliCode.InsufficientCpus,
            "cpu-count",
            count,
            detail=f"the pool holds {len(pool)} CPUs ({_fmt(pool)})",
            fix="ask for fewer CPUs or grow the pool: nitrodeck pool apply --cpu-count N",
        )
    if count <= 0:
        raise driver_error(NE_ERR_NO_VCPUS_ADDED, fix="pass --cpu-count 2 (one full core)")


def check_full_cores(cpus: Iterable[int], topology: Mapping[int, CpuInfo]) -> None:
    """Every thread of every core touched must belong to the enclave (driver, E29)."""
    chosen = set(cpus)
    for cpu in sorted(chosen):
        missing = [s for s in topology[cpu].siblings if s not in chosen]
        if missing:
            raise driver_error(
                NE_ERR_FULL_CORES_NOT_USED,
                fix=f"CPU {cpu} shares its core with CPU(s) {_fmt(missing)}: add them too, or "
                "use a --cpu-count that is a multiple of the threads per core",
            )


def check_cpus_free(cpu_ids: Iterable[int], used: Collection[int]) -> None:
    """A CPU already given to a running enclave cannot be added again (driver, E29)."""
    taken = sorted(c for c in cpu_ids if c in used)
    if taken:
        raise driver_error(
            NE_ERR_VCPU_ALREADY_USED,
            fix=f"CPU(s) {_fmt(taken)} belong to a running enclave; pick free CPUs or terminate it",
        )


def pick_cpus(
    count: int, pool: Sequence[int], used: Collection[int], topology: Mapping[int, CpuInfo]
) -> tuple[int, ...]:
    """The driver's choice for `NE_ADD_VCPU(0)` × count: siblings of cores already given first,
    then the first pool core whose threads are all free. Raises E29 as the driver would."""
    chosen: list[int] = []
    for _ in range(count):
        pending = [
            s
            for c in chosen
            for s in topology[c].siblings
            if s not in chosen and s in pool and s not in used
        ]
        if pending:
            chosen.append(min(pending))
            continue
        fresh = next(
            (
                c
                for c in sorted(pool)
                if c not in used
                and c not in chosen
                and all(s in pool and s not in used for s in topology[c].siblings)
            ),
            None,
        )
        if fresh is None:
            raise driver_error(
                NE_ERR_NO_CPUS_AVAIL_IN_POOL,
                fix="terminate an enclave or grow the pool (nitrodeck pool apply --cpu-count N)",
            )
        chosen.append(fresh)
    check_full_cores(chosen, topology)
    return tuple(sorted(chosen))


def allocate_regions(memory_mib: int, free_pages_mib: Mapping[int, int]) -> list[int]:
    """nitro-cli's memory regions (page sizes in MiB) for a request, from the free hugepages.

    Largest pages first while the remaining need is at least a page; then smallest first for
    the rest; then the smallest surplus regions are given back. Short of memory → E27.
    """
    free = dict(free_pages_mib)
    sizes = [s for s in ENCLAVE_PAGE_SIZES_MIB if free.get(s, 0) > 0]
    regions: list[int] = []
    remaining = memory_mib
    for size in sizes:
        while remaining >= size and free[size] > 0:
            regions.append(size)
            free[size] -= 1
            remaining -= size
    for size in reversed(sizes):
        while remaining > 0 and free[size] > 0:
            regions.append(size)
            free[size] -= 1
            remaining -= size
    if remaining > 0:
        raise NitroCliError(
            NitroCliCode.InsufficientMemoryAvailable,
            "memory",
            memory_mib,
            detail=f"you asked {memory_mib} MiB; the pool has "
            f"{sum(s * n for s, n in free_pages_mib.items())} MiB of free hugepages: "
            f"{pages_label(free_pages_mib)}",
            fix="ask for less memory, terminate an enclave, or grow the pool: "
            "nitrodeck pool apply --memory MIB",
        )
    total = sum(regions)
    for size in sorted(regions):
        if total - size >= memory_mib:
            regions.remove(size)
            total -= size
    return sorted(regions, reverse=True)


def size_label(size_mib: int) -> str:
    """A hugepage size as people say it: 1 GiB, 2 MiB."""
    return (
        f"{size_mib // 1024} GiB"
        if size_mib >= 1024 and size_mib % 1024 == 0
        else f"{size_mib} MiB"
    )


def pages_label(pages_mib: Mapping[int, int]) -> str:
    """{1024: 1, 2: 3} → `"1 × 1 GiB page + 3 × 2 MiB pages"`; largest first."""
    shown = [
        f"{n} × {size_label(size)} page{'s' if n > 1 else ''}"
        for size, n in sorted(pages_mib.items(), reverse=True)
        if n > 0
    ]
    return " + ".join(shown) or "no free pages"


def default_name(eif_path: Path | str) -> str:
    """The last path component without `.eif`, as nitro-cli names an enclave by default."""
    name = str(eif_path).rsplit("/", 1)[-1]
    return name[: -len(".eif")] if name.endswith(".eif") else name


def unique_name(base: str, existing: Collection[str]) -> str:
    """`base`, else `base_1`, `base_2`, … : nitro-cli's answer to a name already in use."""
    if base not in existing:
        return base
    n = 1
    while f"{base}_{n}" in existing:
        n += 1
    return f"{base}_{n}"


def match_name(name: str, enclaves: Sequence[EnclaveInfo]) -> EnclaveInfo:
    """The one enclave called `name`; E58 when none or several are."""
    found = [e for e in enclaves if e.name == name]
    if not found:
        raise NitroCliError(
            NitroCliCode.EnclaveNamingError,
            detail="No enclave matched the given name.",
            fix="list the running enclaves' names with describe-enclaves",
        )
    if len(found) > 1:
        raise NitroCliError(
            NitroCliCode.EnclaveNamingError,
            detail="Conflicting enclave names have been found.",
            fix="use --enclave-id instead",
        )
    return found[0]


def find_enclave(
    enclaves: Sequence[EnclaveInfo],
    *,
    enclave_id: str | None = None,
    enclave_name: str | None = None,
) -> EnclaveInfo:
    """The enclave named (E58 as `match_name`) or with that ID (E40 when none has it)."""
    if enclave_name is not None:
        return match_name(enclave_name, enclaves)
    for info in enclaves:
        if info.enclave_id == enclave_id:
            return info
    raise NitroCliError(
        NitroCliCode.SocketPathNotFound,
        detail=f"No running enclave has the ID {enclave_id!r}",
        fix="list the running enclaves and their IDs with describe-enclaves",
    )


class FindsEnclaves:
    """`find_enclave` for a platform that lists its own enclaves (the simulator, real Nitro):
    the same E40/E58 answers on both, from one lookup."""

    def describe_enclaves(self) -> list[EnclaveInfo]:
        raise NotImplementedError

    def find_enclave(
        self, *, enclave_id: str | None = None, enclave_name: str | None = None
    ) -> EnclaveInfo:
        return find_enclave(
            self.describe_enclaves(), enclave_id=enclave_id, enclave_name=enclave_name
        )


def check_console_allowed(enclave: EnclaveInfo) -> None:
    """The console exists only for debug-mode enclaves (E44)."""
    if not enclave.debug:
        raise NitroCliError(
            NitroCliCode.EnclaveConsoleConnectionFailure,
            detail="The enclave was not started with the debug flag set, include '--debug-mode' "
            "in the run-enclave command",
            fix="terminate it and run it again with --debug-mode (its PCRs then read as zeros)",
        )


def _fmt(cpus: Iterable[int]) -> str:
    return ", ".join(str(c) for c in sorted(cpus)) or "none"
