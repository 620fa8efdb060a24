"""AF_VSOCK on a parent instance: the console's address, the agent's socket, and the off switch.

`nitro-cli console` reads an enclave's console from CID 0 (the hypervisor), port enclave CID +
10000; nitrodeck does the same, read-only. `NITRODECK_VSOCK=off` (the test suite sets it for every
test) makes every function here refuse before a socket is even created, so callers use their
fallbacks. The connector is injectable: tests and other transports pass their own.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

from core.errors import NitrodeckError

VMADDR_CID_HYPERVISOR = 0
VMADDR_CID_ANY = 0xFFFFFFFF
PARENT_CID = 3
CONSOLE_PORT_OFFSET = 10000
CONNECT_TIMEOUT = 20.0

Connector = Callable[[int, int, "float | None"], socket.socket]


class VsockUnavailable(NitrodeckError):
    """AF_VSOCK cannot or must not be used here; the message says which."""


def console_address(enclave_cid: int) -> tuple[int, int]:
    """Where an enclave's console is read: (CID 0, enclave CID + 10000)."""
    return VMADDR_CID_HYPERVISOR, enclave_cid + CONSOLE_PORT_OFFSET


def vsock_allowed() -> None:
    """Raise when `NITRODECK_VSOCK` forbids AF_VSOCK or this Python/kernel lacks it."""
    setting = os.environ.get("NITRODECK_VSOCK", "").strip().lower()
    if setting in ("off", "sim", "0", "no"):
        raise VsockUnavailable(
            f"AF_VSOCK is switched off here (NITRODECK_VSOCK={setting})",
            fix="unset NITRODECK_VSOCK on a parent instance to use vsock",
        )
    if not hasattr(socket, "AF_VSOCK"):
        raise VsockUnavailable(
            "this Python has no AF_VSOCK support", fix="use a Linux build of Python 3.11+"
        )


def connect(cid: int, port: int, timeout: float | None = None) -> socket.socket:
    """A connected AF_VSOCK stream socket to (cid, port)."""
    vsock_allowed()
    sock = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_TIMEOUT if timeout is None else timeout)
        sock.connect((cid, port))
        sock.settimeout(None)
    except OSError as error:
        sock.close()
        raise VsockUnavailable(
            f"cannot connect to vsock {cid}:{port}: {error.strerror or error}",
            fix="check that the enclave runs (nitro-cli describe-enclaves) and listens there",
        ) from error
    return sock


def listen(port: int, cid: int = VMADDR_CID_ANY) -> socket.socket:
    """A listening AF_VSOCK socket on the parent (enclaves reach it at CID 3)."""
    vsock_allowed()
    sock = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
    try:
        sock.bind((cid, port))
        sock.listen()
    except OSError as error:
        sock.close()
        raise VsockUnavailable(
            f"cannot listen on vsock port {port}: {error.strerror or error}",
            fix="pick a free port (another listener, e.g. vsock-proxy, may hold it)",
        ) from error
    return sock
