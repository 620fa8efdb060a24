"""A frozen platform for screenshots and snapshot tests: fixed ids, CIDs, PCRs and start times.

The real simulator's ids, CIDs and timestamps change on every run; a picture must not. This one
answers from constants (an m5.2xlarge with a 4-CPU pool and two enclaves) and plans pool changes
with the real allocator rules, so the views show real behaviour over a still scene. Its
enclaves started 1h02m and 2h04m before `DEMO_CLOCK`, the clock the pictures are taken at.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from core.checks import Check
from core.home import Home
from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform import rules
from core.platform.allocator import plan_allocation
from core.platform.base import (
    ConsoleStream,
    EnclaveInfo,
    HostInfo,
    HugepageCount,
    KmsKind,
    PoolConfig,
    PoolPlan,
    PoolState,
    RunRequest,
    SavedConsole,
)
from core.platform.sim.profiles import PROFILES

if TYPE_CHECKING:
    from core.attestation.trust import TrustAnchor
    from core.kms.target import KmsTarget

PROFILE = PROFILES["m5.2xlarge"]
DEMO_CLOCK = datetime(2026, 11, 27, 12, 34, 56)
UPTIME_STEP = 3725  # seconds: enclave 1 has run 1h02m at DEMO_CLOCK, enclave 2 2h04m
PCR0 = "8c1f3a70d2b94e5b" + "a7" * 40
CONSOLE = b"".join(
    f"[{n * 0.013:9.6f}] init[1]: step {n}: {'mounted /proc' if n % 7 else 'nsm: ready'}\n".encode()
    for n in range(400)
)


def _enclave(
    name: str, slot: int, cid: int, cpus: tuple[int, ...], memory: int, now: float
) -> EnclaveInfo:
    return EnclaveInfo(
        name=name,
        enclave_id=f"i-0f3c9e2a7b5d41c08-enc{slot}",
        process_id=4200 + slot,
        cid=cid,
        cpu_ids=cpus,
        memory_mib=memory,
        state="RUNNING",
        debug=slot == 1,
        measurements={"HashAlgorithm": "Sha384 { ... }", "PCR0": PCR0, "PCR1": "00" * 48},
        image_name="nitrodeck-demo",
        image_version="1.0",
        metadata={"BuildTool": "nitrodeck"},
        started_at=now - UPTIME_STEP * slot,
    )


class _Chunks:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self.data

    def close(self) -> None:
        pass


class DemoPlatform:
    """The whole `Platform` (and `ConsoleHistory`) over a still scene; changes nothing anywhere.

    It poses as the simulator (its enclaves would attest under the simulator's root and use the
    local KMS), so the pictures show what a first session on the simulator shows.
    """

    name = "sim"
    simulated = True
    default_trust = "sim"
    default_kms: KmsKind = "local"

    def trust_anchor(self, choice: str | None = None) -> TrustAnchor:
        """The simulator's root in this home, unless the operator chose another."""
        from core.attestation.trust import sim_root_anchor
        from core.platform.trust import choose_anchor

        return choose_anchor(choice, own=lambda: sim_root_anchor(self._home()), home=self.home)

    def _home(self) -> Home:
        from core.platform.trust import TrustChoiceError

        if self.home is None:
            raise TrustChoiceError(
                "this still scene has no simulator home to take a root from",
                fix="give the demo platform the home to pose in: DemoPlatform(home=…)",
            )
        return self.home

    def kms_target(self) -> KmsTarget | None:
        """None: its default KMS is reachable from this machine as it is."""
        return None

    def __init__(self, now: datetime = DEMO_CLOCK, *, home: Home | None = None) -> None:
        self.home = home
        """The home whose simulator root it poses with (None: it names no root)."""
        start = now.timestamp()
        self.enclaves = [
            _enclave("web-api", 1, 16, (1, 5), 1024, start),
            _enclave("signer", 2, 17, (2, 6), 512, start),
        ]
        self.pool_cpus = (1, 2, 3, 5, 6, 7)
        self.hugepages = (HugepageCount(0, 1048576, 2), HugepageCount(0, 2048, 512))

    def close(self) -> None:
        pass

    def preflight(self) -> list[Check]:
        return [Check.verdict("demo scene", True, "a frozen scene for pictures: nothing to check")]

    def host_info(self) -> HostInfo:
        return HostInfo(
            platform="sim",
            profile=PROFILE.name,
            instance_type=PROFILE.name,
            instance_id="i-0f3c9e2a7b5d41c08",
            region="us-east-1",
            architecture="x86_64",
            role_arn=None,
            cpus=PROFILE.topology(),
            memory_mib=PROFILE.memory_gib * 1024,
            node_memory_mib=PROFILE.node_memory_mib(),
            hugepage_sizes_kib=PROFILE.hugepage_sizes_kib,
            hugepages=self.hugepages,
        )

    def pool_state(self) -> PoolState:
        return PoolState(
            config=PoolConfig(memory_mib=3072, cpu_count=6),
            cpus=self.pool_cpus,
            node=0,
            hugepages=self.hugepages,
            used_cpus=tuple(sorted(c for e in self.enclaves for c in e.cpu_ids)),
            used_memory_mib=sum(e.memory_mib for e in self.enclaves),
            enclaves=len(self.enclaves),
        )

    def plan_pool(self, config: PoolConfig) -> PoolPlan:
        pages = {(h.node, h.size_kib): h.count for h in self.hugepages}
        capacity = PROFILE.hugepage_capacity_mib()
        names = [e.name or e.enclave_id for e in self.enclaves]
        return plan_allocation(config, self.host_info(), pages, capacity, names)

    def apply_pool(self, config: PoolConfig) -> PoolState:
        return self.pool_state()

    def run_enclave(self, request: RunRequest) -> EnclaveInfo:
        rules.check_cid(request.enclave_cid)
        return replace(self.enclaves[0], name=request.enclave_name or "demo")

    def describe_enclaves(self) -> list[EnclaveInfo]:
        return list(self.enclaves)

    def find_enclave(
        self, *, enclave_id: str | None = None, enclave_name: str | None = None
    ) -> EnclaveInfo:
        for info in self.enclaves:
            if info.enclave_id == enclave_id or (enclave_name and info.name == enclave_name):
                return info
        raise NitroCliError(NitroCliCode.SocketPathNotFound, detail="no such enclave")

    def terminate_enclave(
        self,
        *,
        enclave_id: str | None = None,
        enclave_name: str | None = None,
        all_enclaves: bool = False,
    ) -> list[EnclaveInfo]:
        return [self.find_enclave(enclave_id=enclave_id, enclave_name=enclave_name)]

    def console(
        self, enclave_id: str, *, follow: bool = True, history: bool = False
    ) -> ConsoleStream:
        rules.check_console_allowed(self.find_enclave(enclave_id=enclave_id))
        return _Chunks(CONSOLE)

    def saved_consoles(self) -> list[SavedConsole]:
        return [
            self.saved_console(enclave_id=info.enclave_id) for info in self.enclaves if info.debug
        ]

    def saved_console(
        self, *, enclave_id: str | None = None, enclave_name: str | None = None
    ) -> SavedConsole:
        info = self.find_enclave(enclave_id=enclave_id, enclave_name=enclave_name)
        return SavedConsole(
            enclave_id=info.enclave_id,
            name=info.name or "",
            cid=info.cid,
            eif_path="demo.eif",
            debug=info.debug,
            ended=False,
            size=len(CONSOLE) if info.debug else 0,
            mtime=info.started_at or 0.0,
        )

    def connect_vsock(self, cid: int, port: int, timeout: float | None = None) -> socket.socket:
        raise NitroCliError(NitroCliCode.SocketError, detail="the demo platform has no vsock")
