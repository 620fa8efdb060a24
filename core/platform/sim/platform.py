"""`SimPlatform`: the `Platform` interface on the simulated parent instance.

Its console, console history and vsock modules load in the methods that use them, so opening
it to list enclaves (a remote `describe-enclaves`, served over ssh) loads only the instance.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

from core.checks import Check
from core.home import Home
from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform import rules
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
from core.platform.sim.instance import SimInstance, get_profile, row_info
from core.platform.sim.layout import Layout
from core.processes import process_alive

if TYPE_CHECKING:
    from core.attestation.trust import TrustAnchor
    from core.kms.target import KmsTarget

TERMINATE_WAIT = 5.0


class SimPlatform(rules.FindsEnclaves):
    """The embedded simulator; state under `<home>/sim/<profile>` of the `home` it is given.

    Its enclaves attest under the simulator's own root and decrypt with the local KMS; it keeps
    the consoles of debug enclaves after they exit (`ConsoleHistory`).
    """

    name = "sim"
    simulated = True
    default_trust = "sim"
    default_kms: KmsKind = "local"

    def trust_anchor(self, choice: str | None = None) -> TrustAnchor:
        """The simulator's root in this home, unless the operator chose another."""
        from core.attestation.trust import sim_root_anchor
        from core.platform.trust import choose_anchor

        return choose_anchor(choice, own=lambda: sim_root_anchor(self.home), home=self.home)

    def kms_target(self) -> KmsTarget | None:
        """None: its default KMS is reachable from this machine as it is."""
        return None

    def __init__(
        self, profile: str | None = None, *, home: Home, boot_timeout: float | None = None
    ) -> None:
        self.profile = get_profile(profile)
        self.home = home
        self.instance = SimInstance(self.profile, Layout.for_profile(self.profile.name, home))
        self.layout = self.instance.layout
        self.boot_timeout = boot_timeout

    def close(self) -> None:
        self.instance.close()

    def preflight(self) -> list[Check]:
        from core.platform.sim.doctor import sim_checks

        return sim_checks(self.instance)

    def set_identity(self, *, role_arn: str | None = None, region: str | None = None) -> None:
        """Configure the simulated parent's role ARN and region (kept in its state)."""
        self.instance.set_identity(role_arn=role_arn, region=region)

    # host and pool --------------------------------------------------------------
    def host_info(self) -> HostInfo:
        return self.instance.host_info()

    def pool_state(self) -> PoolState:
        return self.instance.pool_state()

    def plan_pool(self, config: PoolConfig) -> PoolPlan:
        return self.instance.plan_pool(config)

    def apply_pool(self, config: PoolConfig) -> PoolState:
        self.instance.apply_pool(config)
        return self.instance.pool_state()

    # enclaves ---------------------------------------------------------------------
    def run_enclave(self, request: RunRequest) -> EnclaveInfo:
        from core.platform.sim import launcher  # EIF checks and the supervisor: only to run one

        return launcher.run_enclave(self.instance, request, self.boot_timeout)

    def describe_enclaves(self) -> list[EnclaveInfo]:
        return [row_info(r) for r in self.instance.live_rows() if r.state != "STARTING"]

    def terminate_enclave(
        self,
        *,
        enclave_id: str | None = None,
        enclave_name: str | None = None,
        all_enclaves: bool = False,
    ) -> list[EnclaveInfo]:
        if all_enclaves:
            targets = self.describe_enclaves()
        else:
            targets = [self.find_enclave(enclave_id=enclave_id, enclave_name=enclave_name)]
        for info in targets:
            self._stop(info)
        return targets

    def _stop(self, info: EnclaveInfo) -> None:
        rows = {r.enclave_id: r for r in self.instance.state.enclaves()}
        row = rows.get(info.enclave_id)
        if row is None:
            return
        with self.instance.state.transaction():
            self.instance.state.update_enclave(row.slot_uid, state="TERMINATING")
        if process_alive(row.pid, row.pid_ctime):
            os.kill(row.pid, signal.SIGTERM)
            deadline = time.monotonic() + TERMINATE_WAIT
            while time.monotonic() < deadline and process_alive(row.pid, row.pid_ctime):
                time.sleep(0.01)
            if process_alive(row.pid, row.pid_ctime):
                os.kill(row.pid, signal.SIGKILL)
        self.instance.live_rows()

    # console ------------------------------------------------------------------------
    def console(
        self, enclave_id: str, *, follow: bool = True, history: bool = False
    ) -> ConsoleStream:
        """A running debug enclave's console (E44 otherwise); `history` also finds ended ones."""
        from core.platform.sim.console import FileConsoleStream

        row = next((r for r in self.instance.live_rows() if r.enclave_id == enclave_id), None)
        if row is not None:
            rules.check_console_allowed(row_info(row))
            pid, ctime = row.pid, row.pid_ctime
            return FileConsoleStream(
                self.layout.console(row.slot_hex),
                follow=follow,
                alive=lambda: process_alive(pid, ctime),
            )
        if not history:
            self.find_enclave(enclave_id=enclave_id)
        record = self.saved_console(enclave_id=enclave_id)
        path = self.layout.console(enclave_id.rsplit("-enc", 1)[-1])
        if not record.debug:
            raise NitroCliError(
                NitroCliCode.EnclaveConsoleConnectionFailure,
                detail=f"no console was saved for {enclave_id}: it did not run in debug mode",
            )
        return FileConsoleStream(path, follow=False)

    # console history (the ConsoleHistory ability) -----------------------------------
    def saved_consoles(self) -> list[SavedConsole]:
        from core.platform.sim import history

        return history.saved_consoles(self.layout)

    def saved_console(
        self, *, enclave_id: str | None = None, enclave_name: str | None = None
    ) -> SavedConsole:
        from core.platform.sim import history

        return history.saved_console(self.layout, enclave_id=enclave_id, enclave_name=enclave_name)

    # vsock ----------------------------------------------------------------------------
    def connect_vsock(self, cid: int, port: int, timeout: float | None = None) -> socket.socket:
        from core.platform.sim import vsock

        return vsock.connect(self.layout.host_uds(cid), cid, port, timeout)

    def console_path(self, enclave_id: str) -> Path:
        return self.layout.console(enclave_id.rsplit("-enc", 1)[-1])
