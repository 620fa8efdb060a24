"""`NitroPlatform`: the `Platform` interface on a real Nitro parent instance.

Enclaves are listed, started and stopped only through nitro-cli, so an enclave started by plain
nitro-cli shows up here and ours in `nitro-cli describe-enclaves`: there is no second record.
The host comes from sysfs under `$NITRODECK_SYSROOT`, the identity from IMDSv2, the pool from
`ne_cpus` and the hugepages of its node, and pool changes go through the allocator service.
"""

from __future__ import annotations

import socket
from functools import cached_property
from typing import TYPE_CHECKING, Any

from core.checks import Check
from core.errors import NitrodeckError
from core.home import Home
from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform import rules
from core.platform.allocator import plan_allocation
from core.platform.base import (
    ConsoleStream,
    EnclaveInfo,
    HostInfo,
    KmsKind,
    PoolConfig,
    PoolPlan,
    PoolState,
    RunRequest,
)
from core.platform.nitro import allocator, sysfs, vsock
from core.platform.nitro.console import open_console
from core.platform.nitro.host import HostIdentity, host_info, read_identity
from core.platform.nitro.imds import ImdsClient
from core.platform.nitro.nitro_cli import RUN_TIMEOUT, NitroCli
from core.platform.nitro.sysfs import SysRoot

if TYPE_CHECKING:
    from core.attestation.trust import TrustAnchor
    from core.kms.target import KmsTarget


class NitroPlatform(rules.FindsEnclaves):
    """A real parent instance (or a fixture tree of one, with a nitro-cli stand-in)."""

    name = "nitro"
    simulated = False
    default_trust = "aws"
    default_kms: KmsKind = "aws"

    def trust_anchor(self, choice: str | None = None) -> TrustAnchor:
        """The pinned AWS Nitro Enclaves root, unless the operator chose another."""
        from core.attestation.trust import aws_root_anchor
        from core.platform.trust import choose_anchor

        return choose_anchor(choice, own=aws_root_anchor, home=self.home)

    def kms_target(self) -> KmsTarget | None:
        """None: its default KMS is reachable from this machine as it is."""
        return None

    def __init__(
        self,
        *,
        sysroot: SysRoot | None = None,
        cli: NitroCli | None = None,
        imds: ImdsClient | None = None,
        connector: vsock.Connector | None = None,
        home: Home | None = None,
    ) -> None:
        self.home = home
        """The operator's home: the simulator root `--trust sim` names (None: there is none)."""
        self.sysroot = sysroot or SysRoot()
        self._cli = cli
        self._imds = imds
        self.connector: vsock.Connector = connector or vsock.connect

    def close(self) -> None:
        """Nothing is held open between calls."""

    @property
    def cli(self) -> NitroCli:
        if self._cli is None:
            self._cli = NitroCli()
        return self._cli

    @cached_property
    def identity(self) -> HostIdentity:
        """Read once per platform: IMDS answers the same for the instance's lifetime."""
        return read_identity(self.sysroot, self._imds)

    # host and pool --------------------------------------------------------------
    def host_info(self) -> HostInfo:
        return host_info(self.sysroot, self.identity)

    def pool_state(self) -> PoolState:
        host = self.host_info()
        cpus = sysfs.enclave_pool(self.sysroot) or ()
        nodes = {c.node for c in host.cpus if c.cpu in cpus}
        node = nodes.pop() if len(nodes) == 1 else None
        enclaves = self._enclaves_if_cli()
        return PoolState(
            config=allocator.read_config(self.sysroot),
            cpus=tuple(cpus),
            node=node,
            hugepages=tuple(h for h in host.hugepages if h.node == node),
            used_cpus=tuple(sorted(c for e in enclaves for c in e.cpu_ids)),
            used_memory_mib=sum(e.memory_mib for e in enclaves),
            enclaves=len(enclaves),
        )

    def _enclaves_if_cli(self) -> list[EnclaveInfo]:
        """The running enclaves; none when nitro-cli is missing (the pool is still readable)."""
        try:
            return self.describe_enclaves()
        except NitroCliError:
            raise
        except NitrodeckError:
            return []

    def plan_pool(self, config: PoolConfig) -> PoolPlan:
        host = self.host_info()
        pages = {(h.node, h.size_kib): h.count for h in host.hugepages}
        running = len(self._enclaves_if_cli())
        return plan_allocation(config, host, pages, sysfs.node_capacity_mib(self.sysroot), running)

    def apply_pool(self, config: PoolConfig) -> PoolState:
        """Write allocator.yaml, restart the service, and read back the pool it made."""
        allocator.refuse_while_running(len(self.describe_enclaves()))
        plan = self.plan_pool(config)
        if not plan.ok:
            from core.platform.base import AllocatorError

            raise AllocatorError(
                plan.violations[0], fix="see every broken rule with: nitrodeck pool plan"
            )
        allocator.write_config(self.sysroot, config)
        allocator.restart_service()
        return self.pool_state()

    def preflight(self) -> list[Check]:
        """The doctor's checks for a real parent (`nitrodeck doctor`, the Doctor screen)."""
        from core.platform.nitro.doctor import nitro_checks

        host = self.host_info()
        return nitro_checks(
            self.sysroot,
            host.region,
            host.architecture,
            lambda: (self.identity.note, self.identity.source),
        )

    def pool_journal(self) -> list[str]:
        """What the allocator service last logged."""
        return allocator.journal()

    # enclaves ---------------------------------------------------------------------
    def run_enclave(self, request: RunRequest) -> EnclaveInfo:
        args = ["run-enclave", "--eif-path", str(request.eif_path)]
        args += ["--memory", str(request.memory_mib)]
        if request.cpu_ids is not None:
            args += ["--cpu-ids", *(str(c) for c in request.cpu_ids)]
        elif request.cpu_count is not None:
            args += ["--cpu-count", str(request.cpu_count)]
        if request.enclave_cid is not None:
            args += ["--enclave-cid", str(request.enclave_cid)]
        if request.debug_mode:
            args.append("--debug-mode")
        if request.enclave_name is not None:
            args += ["--enclave-name", request.enclave_name]
        started = self.cli.json(args, timeout=RUN_TIMEOUT)
        enclave_id = str(started["EnclaveID"])
        for info in self.describe_enclaves():
            if info.enclave_id == enclave_id:
                return info
        return parse_enclave({**started, "State": "RUNNING", "Flags": _flags(request)})

    def describe_enclaves(self) -> list[EnclaveInfo]:
        items = self.cli.json(["describe-enclaves", "--metadata"])
        if not isinstance(items, list):
            raise NitrodeckError(
                "nitro-cli describe-enclaves did not print a JSON array",
                where=self.cli.program,
                fix="check the nitro-cli version (nitro-cli --version)",
            )
        return [parse_enclave(item) for item in items]

    def terminate_enclave(
        self,
        *,
        enclave_id: str | None = None,
        enclave_name: str | None = None,
        all_enclaves: bool = False,
    ) -> list[EnclaveInfo]:
        if all_enclaves:
            targets = self.describe_enclaves()
            self.cli.json(["terminate-enclave", "--all"])
            return targets
        target = self.find_enclave(enclave_id=enclave_id, enclave_name=enclave_name)
        self.cli.json(["terminate-enclave", "--enclave-id", target.enclave_id])
        return [target]

    # console and vsock ----------------------------------------------------------------
    def console(
        self, enclave_id: str, *, follow: bool = True, history: bool = False
    ) -> ConsoleStream:
        """The live console of a running debug enclave; nitro-cli keeps no history (#664)."""
        try:
            info = self.find_enclave(enclave_id=enclave_id)
        except NitroCliError:
            if not history:
                raise
            raise NitroCliError(
                NitroCliCode.EnclaveConsoleConnectionFailure,
                detail=f"{enclave_id} is not running, and a real parent keeps no console history "
                "(aws/aws-nitro-enclaves-cli#664)",
                fix="follow the console while the enclave runs: nitrodeck console --enclave-id …",
            ) from None
        rules.check_console_allowed(info)
        return open_console(
            self.cli.program, info.enclave_id, info.cid, follow=follow, connector=self.connector
        )

    def connect_vsock(self, cid: int, port: int, timeout: float | None = None) -> socket.socket:
        return self.connector(cid, port, timeout)


def _flags(request: RunRequest) -> str:
    return "DEBUG_MODE" if request.debug_mode else "NONE"


def process_start(pid: int) -> float | None:
    """When the enclave process started: it runs on this parent, so /proc knows."""
    import psutil

    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.Error, ValueError):
        return None


def parse_enclave(item: dict[str, Any]) -> EnclaveInfo:
    """One describe-enclaves (or run-enclave) object as an `EnclaveInfo`."""
    try:
        measurements = item.get("Measurements") or {}
        return EnclaveInfo(
            name=item.get("EnclaveName"),
            enclave_id=str(item["EnclaveID"]),
            process_id=int(item["ProcessID"]),
            cid=int(item["EnclaveCID"]),
            cpu_ids=tuple(int(c) for c in item.get("CPUIDs", ())),
            memory_mib=int(item["MemoryMiB"]),
            state=str(item.get("State", "RUNNING")),
            debug=item.get("Flags") == "DEBUG_MODE",
            measurements={k: str(v) for k, v in measurements.items() if k.startswith("PCR")},
            image_name=item.get("ImageName"),
            image_version=item.get("ImageVersion"),
            metadata=item.get("Metadata"),
            started_at=process_start(int(item["ProcessID"])),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise NitrodeckError(
            f"nitro-cli printed an enclave nitrodeck cannot read ({error!r})",
            fix="check the nitro-cli version (nitro-cli --version)",
        ) from error
