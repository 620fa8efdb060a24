"""Each simulated enclave's own NSM device (from `core.nsm`), served on a Unix socket."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from core.home import Home


class Closable(Protocol):
    def close(self) -> None: ...


def start_nsm(
    socket_path: Path,
    *,
    home: Home,
    measurements: dict[str, str],
    debug: bool,
    instance_id: str,
    role_arn: str | None,
    enclave_uid: int,
    region: str,
) -> Closable:
    """Start the enclave's NSM: PCRs from its EIF, its debug flag, the parent's identity,
    certified by the PKI of the instance's `home`."""
    from core.nsm.device import SimulatedNsm
    from core.nsm.pki import SimPki
    from core.nsm.server import start_nsm_server

    pcrs: dict[int, bytes] = {}
    for key, value in measurements.items():
        pcrs[int(key[3:])] = bytes.fromhex(value)
    pki: Any = SimPki.load_or_create(home.path)
    device = SimulatedNsm(
        pki,
        measurements=pcrs,
        debug=debug,
        instance_id=instance_id,
        role_arn=role_arn,
        enclave_uid=enclave_uid,
        region=region,
    )
    handle: Closable = start_nsm_server(device, socket_path)
    return handle
