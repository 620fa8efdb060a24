"""One simulated parent instance: its identity, host description, pool and enclave bookkeeping.

A fresh instance starts with the allocator's shipped defaults applied (512 MiB, 2 CPUs), like a
real instance with nitro-enclaves-allocator.service enabled. Dead supervisors are found by pid
and create time (`reap`) and their resources freed under the write lock. The allocator and the
console's files load where a pool is planned or an enclave ends: listing enclaves (what a remote
`describe-enclaves` asks first) needs neither.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from dataclasses import asdict

from core.errors import NitrodeckError
from core.platform.base import (
    AllocatorError,
    EnclaveInfo,
    HostInfo,
    HugepageCount,
    PoolConfig,
    PoolPlan,
    PoolState,
)
from core.platform.sim.layout import Layout
from core.platform.sim.profiles import DEFAULT_PROFILE, PROFILES, Profile
from core.platform.sim.state import EnclaveRow, SimState
from core.processes import process_alive

DEFAULT_REGION = "us-east-1"
DEFAULT_ROLE_ARN = "arn:aws:iam::123456789012:role/nitrodeck-parent"


def get_profile(name: str | None) -> Profile:
    """The named profile (default m5.2xlarge); an unknown name says which ones exist."""
    chosen = name or os.environ.get("NITRODECK_PROFILE") or DEFAULT_PROFILE
    if chosen not in PROFILES:
        raise NitrodeckError(
            f"unknown simulated instance profile {chosen!r}",
            fix=f"use --profile with one of: {', '.join(PROFILES)}",
        )
    return PROFILES[chosen]


class SimInstance:
    """The state of one profile's simulated instance under `<home>/sim/<profile>`."""

    def __init__(self, profile: Profile, layout: Layout) -> None:
        self.profile = profile
        self.layout = layout
        self.state = SimState(self.layout.db)
        self.topology = {c.cpu: c for c in profile.topology()}
        with self.state.transaction():
            if self.state.get_meta("instance_id") is None:
                self._initialise()

    def _initialise(self) -> None:
        self.state.set_meta("instance_id", "i-0" + os.urandom(8).hex())
        self.state.set_meta("region", os.environ.get("NITRODECK_SIM_REGION", DEFAULT_REGION))
        self.state.set_meta("role_arn", os.environ.get("NITRODECK_SIM_ROLE_ARN", DEFAULT_ROLE_ARN))
        self.state.set_meta("next_cid", "16")
        from core.platform.allocator import SHIPPED_DEFAULTS, plan_allocation

        plan = plan_allocation(
            SHIPPED_DEFAULTS, self.host_info(), {}, self.profile.hugepage_capacity_mib(), 0
        )
        self._store_plan(plan)

    def close(self) -> None:
        self.state.close()

    # identity and host ------------------------------------------------------
    def set_identity(self, *, role_arn: str | None = None, region: str | None = None) -> None:
        """The parent's IAM role ARN (PCR3 of new enclaves) and region (their NSM's region)."""
        with self.state.transaction():
            if role_arn is not None:
                self.state.set_meta("role_arn", role_arn)
            if region is not None:
                self.state.set_meta("region", region)

    @property
    def instance_id(self) -> str:
        return str(self.state.get_meta("instance_id"))

    def host_info(self) -> HostInfo:
        pages = self.state.hugepages()
        return HostInfo(
            platform="sim",
            profile=self.profile.name,
            instance_type=self.profile.name,
            instance_id=str(self.state.get_meta("instance_id") or "i-0000000000000000"),
            region=str(self.state.get_meta("region") or DEFAULT_REGION),
            architecture=self.profile.architecture,
            role_arn=self.state.get_meta("role_arn"),
            cpus=tuple(self.topology.values()),
            memory_mib=self.profile.memory_gib * 1024,
            node_memory_mib=self.profile.node_memory_mib(),
            hugepage_sizes_kib=self.profile.hugepage_sizes_kib,
            hugepages=tuple(
                HugepageCount(node=n, size_kib=s, count=c)
                for (n, s), c in sorted(pages.items())
                if c
            ),
        )

    # pool ---------------------------------------------------------------------
    def pool_record(self) -> tuple[PoolConfig | None, tuple[int, ...], int | None]:
        raw = self.state.get_meta("pool")
        if raw is None:
            return None, (), None
        data = json.loads(raw)
        config = PoolConfig(**data["config"]) if data.get("config") else None
        return config, tuple(data["cpus"]), data["node"]

    def pool_state(self) -> PoolState:
        config, cpus, node = self.pool_record()
        rows = self.live_rows()
        return PoolState(
            config=config,
            cpus=cpus,
            node=node,
            hugepages=tuple(
                HugepageCount(node=n, size_kib=s, count=c)
                for (n, s), c in sorted(self.state.hugepages().items())
                if c and n == node
            ),
            used_cpus=tuple(sorted(c for r in rows for c in r.cpus)),
            used_memory_mib=sum(sum(r.regions) for r in rows),
            enclaves=len(rows),
        )

    def plan_pool(self, config: PoolConfig) -> PoolPlan:
        from core.platform.allocator import plan_allocation

        running = [row.name or row.enclave_id for row in self.live_rows()]
        return plan_allocation(
            config,
            self.host_info(),
            self.state.hugepages(),
            self.profile.hugepage_capacity_mib(),
            running,
        )

    def apply_pool(self, config: PoolConfig) -> PoolPlan:
        """Apply under the write lock so no launch slips in between the check and the change."""
        from core.platform.allocator import plan_allocation

        with self.state.transaction():
            self._reap_locked()
            plan = plan_allocation(
                config,
                self.host_info(),
                self.state.hugepages(),
                self.profile.hugepage_capacity_mib(),
                [row.name or row.enclave_id for row in self.state.enclaves()],
            )
            if not plan.ok:
                raise AllocatorError(
                    plan.violations[0],
                    fix="see every broken rule with: nitrodeck pool plan",
                )
            self._store_plan(plan)
        return plan

    def _store_plan(self, plan: PoolPlan) -> None:
        pages = {k: v for k, v in self.state.hugepages().items() if k[0] != plan.node}
        pages.update({(h.node, h.size_kib): h.count for h in plan.hugepages})
        self.state.set_hugepages(pages)
        record = {"config": asdict(plan.config), "cpus": list(plan.cpus), "node": plan.node}
        self.state.set_meta("pool", json.dumps(record))

    # enclaves -----------------------------------------------------------------
    def live_rows(self) -> list[EnclaveRow]:
        """The enclaves whose supervisor is alive; dead ones are reaped first."""
        if any(not process_alive(r.pid, r.pid_ctime) for r in self.state.enclaves()):
            with self.state.transaction():
                self._reap_locked()
        return self.state.enclaves()

    def _reap_locked(self) -> None:
        for row in self.state.enclaves():
            if not process_alive(row.pid, row.pid_ctime):
                self.release(row)

    def release(self, row: EnclaveRow) -> None:
        """Free a dead enclave's resources (call inside a transaction)."""
        if row.payload_pid:
            with contextlib.suppress(OSError):
                os.killpg(row.payload_pid, signal.SIGKILL)
        from core.platform.sim.console import mark_ended
        from core.platform.sim.enclave_process import release_files  # the supervisor's module

        release_files(self.layout, row)
        self.state.delete_enclave(row.slot_uid)
        mark_ended(self.layout.enclave_dir(row.slot_hex))


def row_info(row: EnclaveRow) -> EnclaveInfo:
    """An enclave row as describe-enclaves reports it."""
    image = row.image
    return EnclaveInfo(
        name=row.name,
        enclave_id=row.enclave_id,
        process_id=row.pid,
        cid=row.cid,
        cpu_ids=row.cpus,
        memory_mib=sum(row.regions),
        state=row.state,
        debug=row.debug,
        measurements={k: v for k, v in image.items() if k.startswith("PCR")},
        image_name=image.get("ImageName"),
        image_version=image.get("ImageVersion"),
        metadata=image.get("Metadata"),
        started_at=row.pid_ctime or None,
    )
