"""The parent side of the simulator's vsock, over Unix sockets (Firecracker's convention).

Each enclave's supervisor serves `…/vsock/cid_<CID>.sock`: a parent connects, writes
`CONNECT <port>\\n` and reads `OK <hostport>\\n`, after which the socket is a plain byte stream
to the payload's listener on that port (the mux relays it); a refusal is the connection closing
without `OK`. An enclave reaching the parent on port P connects to `cid_<CID>.sock_P`, where the
parent listens (`listen`).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import socket
import threading
from pathlib import Path

from core.home import ensure_private_dir
from enclave_agent.transport import PORT_MAX

FIRST_HOST_PORT = 1 << 30
RELAY_CHUNK = 1 << 16


def connect(host_uds: Path, cid: int, port: int, timeout: float | None = None) -> socket.socket:
    """Parent → enclave: a stream to the enclave's `port`, or ConnectionRefusedError."""
    if not 0 <= port <= PORT_MAX:
        raise ValueError(f"vsock port {port} is outside 0..{PORT_MAX}")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(host_uds))
        sock.sendall(f"CONNECT {port}\n".encode())
        reply = _read_line(sock)
    except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError) as error:
        sock.close()
        raise ConnectionRefusedError(
            errno.ECONNREFUSED, f"no enclave with CID {cid} is running"
        ) from error
    except BaseException:
        sock.close()
        raise
    if not reply.startswith(b"OK "):
        sock.close()
        raise ConnectionRefusedError(
            errno.ECONNREFUSED, f"nothing listens on vsock port {port} of enclave CID {cid}"
        )
    return sock


def listen(path: Path, backlog: int = 16) -> socket.socket:
    """Parent listener an enclave connects to (`cid_<CID>.sock_<port>`); stale files replaced."""
    ensure_private_dir(path.parent)
    with contextlib.suppress(FileNotFoundError):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
            probe.close()
            raise OSError(errno.EADDRINUSE, f"vsock listener {path.name} is already in use")
        except ConnectionRefusedError:
            path.unlink()
        finally:
            probe.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    os.chmod(path, 0o600)
    sock.listen(backlog)
    return sock


def _read_line(sock: socket.socket, limit: int = 64) -> bytes:
    """One `\\n`-terminated line, byte by byte so no stream data is consumed; b"" on EOF."""
    line = bytearray()
    while len(line) < limit:
        byte = sock.recv(1)
        if not byte:
            return b""
        if byte == b"\n":
            return bytes(line)
        line += byte
    return b""


class VsockMux:
    """The enclave side of `cid_<CID>.sock`: accepts `CONNECT p`, relays to `listen_dir/p`."""

    def __init__(self, host_uds: Path, listen_dir: Path) -> None:
        self.host_uds = host_uds
        self.listen_dir = listen_dir
        self._ports = itertools.count(FIRST_HOST_PORT)
        ensure_private_dir(host_uds.parent)
        ensure_private_dir(listen_dir)
        with contextlib.suppress(FileNotFoundError):
            host_uds.unlink()
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(host_uds))
        os.chmod(host_uds, 0o600)
        self._server.listen(64)
        self._thread = threading.Thread(target=self._serve, name="vsock-mux", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._server.shutdown(socket.SHUT_RDWR)
        self._server.close()
        with contextlib.suppress(FileNotFoundError):
            self.host_uds.unlink()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._handshake, args=(client,), daemon=True).start()

    def _handshake(self, client: socket.socket) -> None:
        client.settimeout(10)
        try:
            words = _read_line(client).split()
            port = int(words[1]) if len(words) == 2 and words[0] == b"CONNECT" else -1
            if not 0 <= port <= PORT_MAX:
                client.close()
                return
            inner = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                inner.connect(str(self.listen_dir / str(port)))
            except OSError:
                inner.close()
                client.close()  # refused: close without OK
                return
            client.sendall(f"OK {next(self._ports)}\n".encode())
            client.settimeout(None)
        except (OSError, ValueError):
            client.close()
            return
        relay(client, inner)


def relay(a: socket.socket, b: socket.socket) -> None:
    """Copy both ways until both sides finish; EOF on one side is passed on as SHUT_WR."""

    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(RELAY_CHUNK)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    other = threading.Thread(target=pump, args=(b, a), daemon=True)
    other.start()
    pump(a, b)
    other.join()
    a.close()
    b.close()


def heartbeat(parent_listener: Path, timeout: float = 10.0) -> None:
    """The enclave init's boot signal: send 0xB7 to the parent on port 9000, expect the echo."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(parent_listener))
        sock.sendall(b"\xb7")
        if sock.recv(1) != b"\xb7":
            raise ConnectionError("the parent did not echo the heartbeat")
    finally:
        sock.close()


def remove_socket(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
