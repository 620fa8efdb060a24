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
from typing import TYPE_CHECKING, Any

from core.checks import Check
from core.home import Home
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
from core.platform.trust import SIM_REMOTE, TrustChoiceError, choose_anchor
from core.remote import images
from core.remote.connection import RemoteConnection
from core.remote.untrusted import CleanConsole

if TYPE_CHECKING:
    from core.attestation.trust import TrustAnchor
    from core.kms.target import KmsTarget


class RemotePlatform:
    """A platform on the far end of `connection`; `name` is the far platform's name.

    `home` is set when the far end is a simulator home on this machine (a served `home:`
    target): its root is then a file here, read here, like any local simulator's. `trust` is
    the operator's choice kept with the context (`ctx add --trust`), used when a command names
    none.
    """

    def __init__(
        self,
        connection: RemoteConnection,
        *,
        label: str,
        operator_home: Home,
        home: Path | None = None,
        trust: str | None = None,
    ) -> None:
        self.connection = connection
        self.operator_home = operator_home
        """This machine's home (the operator's): where the remote's KMS credentials are kept and
        which simulator root `--trust sim` names when the member is not a home here."""
        self.label = label
        self.home = home
        self.trust = trust
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

    def trust_anchor(self, choice: str | None = None) -> TrustAnchor:
        """The operator's `choice` (`core.platform.trust`), else the context's; neither: the
        pinned AWS root for a real parent, the home's root for a simulator home here, else a
        `TrustChoiceError` (a remote simulator's root would come from the host being verified)."""
        choice = choice or self.trust
        here = Home(self.home) if self.home is not None else self.operator_home
        return choose_anchor(
            choice, own=self._own_anchor, reported=self._reported_anchor, home=here
        )

    def _own_anchor(self) -> TrustAnchor:
        from core.attestation.trust import aws_root_anchor, sim_root_anchor

        if self.default_trust == "aws":  # the pinned root: naming it cannot weaken a check
            return aws_root_anchor()
        if self.home is not None:
            return sim_root_anchor(Home(self.home))
        raise TrustChoiceError(
            f"{self.label} runs a simulator, whose root only that host can supply: nitrodeck "
            "does not let the host being verified choose the root that verifies it",
            where=self.label,
            fix=f"choose the root on this machine: --trust {SIM_REMOTE} (accept the root it "
            "reports: for simulations, it proves nothing against a compromised host), --trust "
            "sha256:FINGERPRINT (only that root) or --trust FILE (its root.pem copied here); "
            "keep it with the context (nitrodeck ctx add NAME --host URL --trust …), or type "
            "it in the Attest view's Trust field",
        )

    def _reported_anchor(self) -> TrustAnchor:
        from core.attestation.trust import anchor_from_pem_bytes

        pem = self.call("trust.sim_root")
        if not isinstance(pem, bytes):
            raise TrustChoiceError("the remote sent no certificate for its root", where=self.label)
        return anchor_from_pem_bytes(pem, f"simulator root reported by {self.label}")

    def kms_target(self) -> KmsTarget | None:
        """A remote simulator's own local KMS, forwarded over this connection (its enclaves
        attest under a root only that KMS trusts); None for a parent that uses AWS KMS."""
        if self.default_kms != "local":
            return None
        from core.remote.kms import forwarded_kms_target

        credentials = self.call("kms.credentials")
        target, forwarder = forwarded_kms_target(
            self.connection, self.label, credentials, self.operator_home
        )
        self.on_close(forwarder.close)
        return target

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
        stream = self.connection.open_stream(
            "platform.console", enclave_id, follow=follow, history=history
        )
        return CleanConsole(stream)

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
