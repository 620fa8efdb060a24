"""The simulated NSM on a Unix socket: what `/dev/nsm` is to a real enclave.

Frames are a u32 big-endian length and the exact CBOR bytes, both ways. The server plays the
driver's part (torvalds/linux:drivers/misc/nsm.c): a request over 4096 bytes never reaches the
NSM (the driver fails it with EMSGSIZE, which clients report as InputTooLarge), and a response
is cut to 12288 bytes, as the driver silently truncates to the response buffer.
"""

from __future__ import annotations

import contextlib
import os
import socket
import socketserver
import struct
import threading
from pathlib import Path
from typing import Protocol

from core.errors import NitrodeckError
from enclave_agent.closing import Closing
from enclave_agent.nsm_messages import NSM_REQUEST_MAX, NSM_RESPONSE_MAX, ErrorResponse

_FRAME = struct.Struct(">I")
_MAX_SOCKET_PATH = 107  # sun_path is 108 bytes including the terminating NUL
_DISCARD_CHUNK = 65536


class NsmHandler(Protocol):
    """Anything that answers one raw CBOR request (a `SimulatedNsm`)."""

    def handle(self, request: bytes) -> bytes: ...


def _recv_exact(sock: socket.socket, count: int) -> bytes | None:
    """`count` bytes, or None when the peer closed the connection first."""
    data = bytearray()
    while len(data) < count:
        chunk = sock.recv(min(count - len(data), _DISCARD_CHUNK))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def _discard(sock: socket.socket, count: int) -> bool:
    """Read and drop `count` bytes (an oversized request) so the stream stays in step."""
    while count:
        chunk = sock.recv(min(count, _DISCARD_CHUNK))
        if not chunk:
            return False
        count -= len(chunk)
    return True


def _serve_connection(device: NsmHandler, sock: socket.socket) -> None:
    too_large = ErrorResponse("InputTooLarge").to_cbor()
    while True:
        header = _recv_exact(sock, _FRAME.size)
        if header is None:
            return
        (length,) = _FRAME.unpack(header)
        if length > NSM_REQUEST_MAX:
            if not _discard(sock, length):
                return
            reply = too_large
        else:
            request = _recv_exact(sock, length)
            if request is None:
                return
            reply = device.handle(request)[:NSM_RESPONSE_MAX]
        sock.sendall(_FRAME.pack(len(reply)) + reply)


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, path: Path, device: NsmHandler) -> None:
        self.device = device
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(str(path), _Connection)


class _Connection(socketserver.BaseRequestHandler):
    server: _Server
    request: socket.socket

    def handle(self) -> None:
        with self.server.connections_lock:
            self.server.connections.add(self.request)
        try:
            _serve_connection(self.server.device, self.request)
        except OSError:
            pass  # the enclave side went away mid-frame; nothing to answer
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.request)


class NsmServer(Closing):
    """A running server; `close()` stops it, drops connections and removes the socket file."""

    def __init__(self, device: NsmHandler, socket_path: Path) -> None:
        path = Path(socket_path)
        if len(os.fsencode(path)) > _MAX_SOCKET_PATH:
            raise NitrodeckError(
                f"the NSM socket path is {len(os.fsencode(path))} bytes long; Unix sockets allow "
                f"at most {_MAX_SOCKET_PATH}",
                where=str(path),
                fix="use a shorter NITRODECK_HOME (or a shorter run directory)",
            )
        path.unlink(missing_ok=True)  # a stale socket of a previous run would block bind
        self.socket_path = path
        self._server = _Server(path, device)
        os.chmod(path, 0o600)
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        self._server.serve_forever(poll_interval=0.05)

    def start(self) -> NsmServer:
        self._thread = threading.Thread(
            target=self.serve_forever, name=f"nsm-server {self.socket_path.name}", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        with self._server.connections_lock:
            for connection in list(self._server.connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        self.socket_path.unlink(missing_ok=True)


def start_nsm_server(device: NsmHandler, socket_path: Path) -> NsmServer:
    """Serve `device` on `socket_path` from a background thread (for tests and in-process use)."""
    return NsmServer(device, socket_path).start()


def serve_nsm(device: NsmHandler, socket_path: Path) -> None:
    """Serve `device` on `socket_path` until the process ends (the supervisor's main loop)."""
    server = NsmServer(device, socket_path)
    try:
        server.serve_forever()
    finally:
        server.close()
