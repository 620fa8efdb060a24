"""The `Platform` interface and its data types, shared by the command line and the app.

Every platform (the simulator, the demo scene, real Nitro, a remote one) implements `Platform`;
callers never ask which one they have: what differs between them is a member of the protocol
(`trust_anchor`, `default_kms`, `preflight`, ...). Optional abilities are small separate
protocols checked with `isinstance` (`ConsoleHistory`), never `getattr` probes or name checks.
Data types are frozen dataclasses so screens and commands can pass them around freely.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from core.checks import Check
from core.errors import NitrodeckError

if TYPE_CHECKING:
    from core.attestation.trust import TrustAnchor
    from core.kms.target import KmsTarget

MIB = 1 << 20
KIB = 1 << 10

KmsKind = Literal["local", "aws"]
"""Which KMS a platform's enclaves talk to by default: nitrodeck's local KMS or AWS KMS."""


@dataclass(frozen=True)
class CpuInfo:
    """One logical CPU as lscpu shows it: its core, its NUMA node and its core's threads."""

    cpu: int
    core: int
    node: int
    siblings: tuple[int, ...]


@dataclass(frozen=True)
class HugepageCount:
    """`nr_hugepages` of one page size on one NUMA node (size in KiB, as sysfs names it)."""

    node: int
    size_kib: int
    count: int

    @property
    def mib(self) -> int:
        return self.size_kib * self.count // KIB


@dataclass(frozen=True)
class HostInfo:
    """The parent instance: type, identity, CPUs, memory and hugepages per NUMA node."""

    platform: str
    profile: str | None
    instance_type: str
    instance_id: str
    region: str
    architecture: str
    role_arn: str | None
    cpus: tuple[CpuInfo, ...]
    memory_mib: int
    node_memory_mib: tuple[int, ...]
    hugepage_sizes_kib: tuple[int, ...]
    hugepages: tuple[HugepageCount, ...]

    @property
    def threads_per_core(self) -> int:
        return max(len(c.siblings) for c in self.cpus)

    @property
    def numa_nodes(self) -> tuple[int, ...]:
        return tuple(sorted({c.node for c in self.cpus}))

    def cpu(self, cpu_id: int) -> CpuInfo | None:
        return next((c for c in self.cpus if c.cpu == cpu_id), None)


@dataclass(frozen=True)
class PoolConfig:
    """allocator.yaml: `memory_mib` plus exactly one of `cpu_count` or `cpu_pool`."""

    memory_mib: int | None
    cpu_count: int | None = None
    cpu_pool: str | None = None


@dataclass(frozen=True)
class PoolState:
    """The enclave pool as it is: its CPUs, node and hugepages, and what enclaves use of them."""

    config: PoolConfig | None
    cpus: tuple[int, ...]
    node: int | None
    hugepages: tuple[HugepageCount, ...]
    used_cpus: tuple[int, ...]
    used_memory_mib: int
    enclaves: int

    @property
    def memory_mib(self) -> int:
        return sum(h.mib for h in self.hugepages if h.node == self.node)

    @property
    def free_cpus(self) -> tuple[int, ...]:
        return tuple(c for c in self.cpus if c not in self.used_cpus)


@dataclass(frozen=True)
class PoolPlan:
    """What applying a `PoolConfig` would do (the allocator's lines) and every rule it breaks."""

    config: PoolConfig
    cpus: tuple[int, ...]
    node: int | None
    hugepages: tuple[HugepageCount, ...]
    steps: tuple[str, ...]
    violations: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def memory_mib(self) -> int:
        return sum(h.mib for h in self.hugepages)


@dataclass(frozen=True)
class RunRequest:
    """run-enclave's arguments after parsing (memory already in MiB)."""

    eif_path: Path
    memory_mib: int
    cpu_count: int | None = None
    cpu_ids: tuple[int, ...] | None = None
    enclave_cid: int | None = None
    debug_mode: bool = False
    enclave_name: str | None = None


@dataclass(frozen=True)
class EnclaveInfo:
    """One enclave as describe-enclaves reports it."""

    name: str | None
    enclave_id: str
    process_id: int
    cid: int
    cpu_ids: tuple[int, ...]
    memory_mib: int
    state: str
    debug: bool
    measurements: dict[str, str] = field(default_factory=dict)
    image_name: str | None = None
    image_version: str | None = None
    metadata: dict[str, object] | None = None
    started_at: float | None = None
    """When the enclave started (Unix seconds), None if unknown; not part of nitro-cli's JSON."""

    @property
    def flags(self) -> str:
        return "DEBUG_MODE" if self.debug else "NONE"


@dataclass(frozen=True)
class SavedConsole:
    """The record an enclave left behind: its identity and its console file, if it kept one.

    `debug` is whether a console was kept (debug mode); `size` and `mtime` describe that
    console file (size 0 when none was kept); `ended` is whether the enclave has exited.
    """

    enclave_id: str
    name: str
    cid: int
    eif_path: str
    debug: bool
    ended: bool
    size: int
    mtime: float


class AllocatorError(NitrodeckError):
    """The allocator service failed: it prints `Error: …` and exits 1."""

    exit_code = 1


@runtime_checkable
class ConsoleStream(Protocol):
    """Byte chunks of an enclave's console, from the start of its saved history.

    Iterating blocks until data arrives (when following) and stops at the enclave's end.
    `close()` may be called from any thread and ends the iteration promptly.
    """

    def __iter__(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


@runtime_checkable
class Platform(Protocol):
    """Everything hardware-specific the command line and the app need.

    Adding an implementation: satisfy every member below and add it to
    `tests/platform/test_platform_contract.py` (one line), which runs the same behaviour
    checks against each platform.
    """

    name: str
    """Short name shown to the user and accepted by `--platform` (`sim`, `nitro`, ...)."""

    @property
    def simulated(self) -> bool:
        """True when no Nitro hypervisor is behind this platform (the header says SIMULATOR)."""
        ...

    @property
    def default_trust(self) -> str:
        """The root its enclaves' documents chain to, as `--trust` names it: `sim` (the
        simulator's root) or `aws` (AWS Nitro Enclaves Root-G1). A suggestion only: what is
        trusted is `trust_anchor`'s answer."""
        ...

    def trust_anchor(self, choice: str | None = None) -> TrustAnchor:
        """The root to verify this platform's enclaves' documents with, read on this machine.

        `choice` is the operator's (`core.platform.trust`: aws, sim, sim-remote, sha256:FP, a
        PEM path); None asks for the platform's own root, which a platform whose root only the
        far end knows refuses (`TrustChoiceError`) rather than trust the far end.
        """
        ...

    @property
    def default_kms(self) -> KmsKind:
        """The KMS used when none is named: `local` on the simulator, `aws` on a real parent."""
        ...

    def kms_target(self) -> KmsTarget | None:
        """Where its enclaves' default KMS is when this machine cannot reach it by itself (a
        remote simulator's local KMS, forwarded); None means `default_kms` on this machine."""
        ...

    def close(self) -> None:
        """Release what the platform holds (database connections, sockets); idempotent."""
        ...

    def preflight(self) -> list[Check]:
        """This platform's own doctor checks (read-only), in the order the doctor lists them."""
        ...

    def host_info(self) -> HostInfo: ...

    def pool_state(self) -> PoolState: ...

    def plan_pool(self, config: PoolConfig) -> PoolPlan: ...

    def apply_pool(self, config: PoolConfig) -> PoolState: ...

    def run_enclave(self, request: RunRequest) -> EnclaveInfo: ...

    def describe_enclaves(self) -> list[EnclaveInfo]: ...

    def find_enclave(
        self, *, enclave_id: str | None = None, enclave_name: str | None = None
    ) -> EnclaveInfo: ...

    def terminate_enclave(
        self,
        *,
        enclave_id: str | None = None,
        enclave_name: str | None = None,
        all_enclaves: bool = False,
    ) -> list[EnclaveInfo]: ...

    def console(
        self, enclave_id: str, *, follow: bool = True, history: bool = False
    ) -> ConsoleStream: ...

    def connect_vsock(self, cid: int, port: int, timeout: float | None = None) -> socket.socket: ...


@runtime_checkable
class ConsoleHistory(Protocol):
    """Optional: a platform that keeps the consoles of debug enclaves after they exit.

    Check with `isinstance(platform, ConsoleHistory)`; a platform without it simply has no
    saved consoles to offer (real nitro-cli keeps none).
    """

    def saved_consoles(self) -> list[SavedConsole]:
        """Debug enclaves with a console file, running or exited, newest first."""
        ...

    def saved_console(
        self, *, enclave_id: str | None = None, enclave_name: str | None = None
    ) -> SavedConsole:
        """The newest record matching the id or name (E40 `NitroCliError` when none)."""
        ...
