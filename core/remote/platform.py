"""`RemotePlatform`: the `Platform` protocol, answered by another machine's nitrodeck.

Every member is one call over a `RemoteConnection`; consoles and vsock connections are
streams. An image to run is copied over first, so `--eif-path` names a file on the operator's
machine, as with `docker -H ssh://` build contexts.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.checks import Check
from core.errors import NitrodeckError
from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform.base import (
    ConsoleStream,
    EnclaveInfo,
    HostInfo,
    KmsKind,
    PoolConfig,
    PoolPlan,
    PoolState,
    RunRequest,
    SavedConsole,
)
from core.remote import images
from core.remote.connection import RemoteConnection


class RemotePlatform:
    """A platform on the far end of `connection`; `name` is the far platform's name."""

    def __init__(self, connection: RemoteConnection, *, label: str) -> None:
        self.connection = connection
        self.label = label
        facts = connection.call("session.facts")
        self.name: str = facts["name"]
        self._facts = facts
        self._closers: list[Callable[[], None]] = []

    @property
    def simulated(self) -> bool:
        return bool(self._facts["simulated"])

    @property
    def default_trust(self) -> str:
        return str(self._facts["default_trust"])

    @property
    def default_kms(self) -> KmsKind:
        kind: KmsKind = self._facts["default_kms"]
        return kind

    def preflight(self) -> list[Check]:
        """The remote platform's own doctor checks, run there."""
        checks: list[Check] = self._p("preflight")
        return checks

    def sim_root_pem(self) -> bytes:
        """The remote simulator's root certificate (its documents chain to it)."""
        pem: bytes = self.call("trust.sim_root")
        return pem

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.connection.call(method, *args, **kwargs)

    def _p(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return self.connection.call(f"platform.{name}", *args, **kwargs)

    def on_close(self, closer: Callable[[], None]) -> None:
        """Run `closer` when the platform closes (forwarders living on this connection)."""
        self._closers.append(closer)

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()
        self.connection.close()

    def host_info(self) -> HostInfo:
        info: HostInfo = self._p("host_info")
        return info

    def pool_state(self) -> PoolState:
        state: PoolState = self._p("pool_state")
        return state

    def plan_pool(self, config: PoolConfig) -> PoolPlan:
        plan: PoolPlan = self._p("plan_pool", config)
        return plan

    def apply_pool(self, config: PoolConfig) -> PoolState:
        state: PoolState = self._p("apply_pool", config)
        return state

    def stage_image(self, path: Path) -> Path:
        """The remote's copy of the operator's image (copied now unless it is there)."""
        return Path(images.stage(self.call, path))

    def run_enclave(self, request: RunRequest) -> EnclaveInfo:
        if request.eif_path.is_file():
            request = replace(request, eif_path=self.stage_image(request.eif_path))
        info: EnclaveInfo = self._p("run_enclave", request, timeout=300)
        return info

    def describe_enclaves(self) -> list[EnclaveInfo]:
        found: list[EnclaveInfo] = self._p("describe_enclaves")
        return found

    def find_enclave(
        self, *, enclave_id: str | None = None, enclave_name: str | None = None
    ) -> EnclaveInfo:
        info: EnclaveInfo = self._p(
            "find_enclave", enclave_id=enclave_id, enclave_name=enclave_name
        )
        return info

    def terminate_enclave(
        self,
        *,
        enclave_id: str | None = None,
        enclave_name: str | None = None,
        all_enclaves: bool = False,
    ) -> list[EnclaveInfo]:
        ended: list[EnclaveInfo] = self._p(
            "terminate_enclave",
            enclave_id=enclave_id,
            enclave_name=enclave_name,
            all_enclaves=all_enclaves,
        )
        return ended

    def console(
        self, enclave_id: str, *, follow: bool = True, history: bool = False
    ) -> ConsoleStream:
        return self.connection.open_stream(
            "platform.console", enclave_id, follow=follow, history=history
        )

    def connect_vsock(self, cid: int, port: int, timeout: float | None = None) -> socket.socket:
        stream = self.connection.open_stream("platform.connect_vsock", cid, port, timeout)
        return stream.as_socket()

    def saved_consoles(self) -> list[SavedConsole]:
        """Debug consoles the remote kept (none when its platform keeps none)."""
        if not self._facts["console_history"]:
            return []
        found: list[SavedConsole] = self._p("saved_consoles")
        return found

    def saved_console(
        self, *, enclave_id: str | None = None, enclave_name: str | None = None
    ) -> SavedConsole:
        if not self._facts["console_history"]:
            raise NitroCliError(
                NitroCliCode.SocketPathNotFound,
                detail=f"the platform on {self.label} keeps no consoles of ended enclaves",
            )
        found: SavedConsole = self._p(
            "saved_console", enclave_id=enclave_id, enclave_name=enclave_name
        )
        return found

    def listen_vsock(self, cid: int, port: int) -> socket.socket:
        raise NitrodeckError(
            "listening on the parent's vsock is not available over a remote engine",
            where=self.label,
            fix="run the command on the parent instance itself",
        )
