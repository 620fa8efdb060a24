"""vsock for code inside an enclave: real AF_VSOCK on Nitro, Unix sockets on the simulator.

The simulator's supervisor sets `NITRODECK_VSOCK=sim` (plus the directories below) in the
payload's environment and follows the Firecracker / vhost-device-vsock convention: the payload's
listener for port P is the Unix socket `$NITRODECK_VSOCK_DIR/P` (the supervisor forwards a
parent's `CONNECT P` to it), and a connection to the parent (CID 3) on port P is a connection to
`$NITRODECK_VSOCK_UDS_P`. This module is the only place that knows the difference. Stdlib only.
"""

from __future__ import annotations

import errno
import os
import socket

VMADDR_CID_ANY = 0xFFFFFFFF
VMADDR_CID_HYPERVISOR = 0
VMADDR_CID_HOST = 3  # on Nitro the parent instance is CID 3
PORT_MAX = 0xFFFFFFFF


def is_simulated() -> bool:
    """True inside a simulated enclave (the supervisor said so), False on real Nitro."""
    return os.environ.get("NITRODECK_VSOCK") == "sim"


def _real_vsock() -> None:
    """Refuse AF_VSOCK when `NITRODECK_VSOCK=off` (the test suite's setting): a clear error."""
    if os.environ.get("NITRODECK_VSOCK", "").strip().lower() == "off":
        raise OSError(
            errno.ENODEV, "AF_VSOCK is switched off (NITRODECK_VSOCK=off): use NITRODECK_VSOCK=sim"
        )


def _check_port(port: int) -> None:
    if not 0 <= port <= PORT_MAX:
        raise ValueError(f"vsock port {port} is outside 0..{PORT_MAX}")


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise OSError(errno.ENODEV, f"{name} is not set: not running in a simulated enclave")
    return value


def listen(port: int, backlog: int = 16) -> socket.socket:
    """A listening stream socket on this enclave's vsock `port` (any CID)."""
    _check_port(port)
    if not is_simulated():
        _real_vsock()
        sock = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
        sock.bind((VMADDR_CID_ANY, port))
        sock.listen(backlog)
        return sock
    path = os.path.join(_env("NITRODECK_VSOCK_DIR"), str(port))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        _unlink_stale(path)
        sock.bind(path)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise OSError(errno.EADDRINUSE, f"vsock port {port} is already in use") from error
        raise
    sock.listen(backlog)
    return sock


def connect(cid: int, port: int, timeout: float | None = None) -> socket.socket:
    """A stream connection to (`cid`, `port`); an enclave can only reach its parent (CID 3)."""
    _check_port(port)
    if not is_simulated():
        _real_vsock()
        sock = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect((cid, port))
        except OSError:
            sock.close()
            raise
        return sock
    if cid != VMADDR_CID_HOST:
        raise ConnectionRefusedError(
            errno.ECONNREFUSED, f"an enclave can only connect to its parent (CID 3), not {cid}"
        )
    path = f"{_env('NITRODECK_VSOCK_UDS')}_{port}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(path)
    except (FileNotFoundError, ConnectionRefusedError) as error:
        sock.close()
        raise ConnectionRefusedError(
            errno.ECONNREFUSED, f"nothing listens on vsock CID {cid} port {port}"
        ) from error
    except OSError:
        sock.close()
        raise
    return sock


def _unlink_stale(path: str) -> None:
    """Remove a socket file nobody listens on any more (a payload that died without cleanup)."""
    if not os.path.exists(path):
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except (ConnectionRefusedError, FileNotFoundError):
        os.unlink(path)
        return
    finally:
        probe.close()
    raise OSError(errno.EADDRINUSE, f"{path} is in use")
