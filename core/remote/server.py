"""`nitrodeck serve --stdio`: the far end of a remote engine, answering over stdin/stdout.

The SSH client on the operator's machine starts this; it opens the local platform (with the
options the client's hello names) and runs each call in its own thread, so a followed console
or an open vsock connection never blocks other calls. It exits when stdin ends.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from core.errors import NitrodeckError
from core.platform.base import ConsoleStream, Platform
from core.remote import codec, framing, protocol
from core.remote.methods import platform_methods
from core.remote.served import served_home

WHERE = "nitrodeck serve"
CHUNK = 64 << 10

Opener = Callable[[str | None, str | None], Platform]
Extra = Callable[..., Any]


class Server:
    """One client's session: its platform, its calls and its open streams."""

    def __init__(
        self,
        reader: IO[bytes],
        writer: IO[bytes],
        opener: Opener,
        extras: Mapping[str, Callable[[Platform], Extra]] | None = None,
    ) -> None:
        self.reader, self.writer = reader, writer
        self.opener = opener
        self.extras = dict(extras or {})
        self._write_lock = threading.Lock()
        self._platform: Platform | None = None
        self._platform_lock = threading.Lock()
        self._options: dict[str, Any] = {}
        self._streams: dict[int, Callable[[], None]] = {}
        self._sockets: dict[int, socket.socket] = {}
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="serve")

    def send(self, message: dict[str, Any]) -> None:
        payload = codec.dumps(message)
        with self._write_lock:
            framing.write_frame(self.writer, payload)

    def platform(self) -> Platform:
        with self._platform_lock:
            if self._platform is None:
                self._platform = self.opener(
                    self._options.get("platform"), self._options.get("profile")
                )
            return self._platform

    def run(self) -> int:
        self.send(protocol.hello())
        first = framing.read_frame(self.reader, where=WHERE)
        if first is None:
            return 0
        try:
            peer = protocol.check_hello(codec.loads(first), where=WHERE)
        except protocol.RemoteError as error:
            self.send({"t": "err", "id": 0, "e": error})
            return error.exit_code
        self._options = dict(peer.get("options") or {})
        try:
            while (frame := framing.read_frame(self.reader, where=WHERE)) is not None:
                self._handle(codec.loads(frame))
        finally:
            for close in list(self._streams.values()):
                close()
            self._pool.shutdown(wait=False, cancel_futures=True)
            if self._platform is not None:
                self._platform.close()
        return 0

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("t")
        if kind == "call":
            self._pool.submit(self._call, message)
        elif kind == "data":
            sock = self._sockets.get(message["s"])
            if sock is not None:
                try:
                    sock.sendall(message["b"])
                except OSError:
                    self._end_stream(message["s"])
        elif kind == "close":
            self._end_stream(message["s"])

    def _end_stream(self, sid: int) -> None:
        close = self._streams.pop(sid, None)
        if close is not None:
            close()

    def _call(self, message: dict[str, Any]) -> None:
        call_id = message["id"]
        try:
            reply = self._answer(message)
        except Exception as error:  # a failed call must still answer its waiting client
            reply = {"t": "err", "id": call_id, "e": protocol.error_payload(error)}
        if reply is None:
            return
        try:
            self.send(reply)
        except (TypeError, ValueError) as error:  # the answer cannot be encoded: say so
            self.send({"t": "err", "id": call_id, "e": protocol.error_payload(error)})

    def _answer(self, message: dict[str, Any]) -> dict[str, Any] | None:
        """The reply to one call; None for a streaming call (it replied when it started)."""
        call_id, method = message["id"], message["m"]
        args, kwargs = message.get("a") or [], message.get("k") or {}
        if method == "platform.console":
            self._start_console(call_id, self.platform().console(*args, **kwargs))
            return None
        if method == "platform.connect_vsock":
            self._start_socket(call_id, self.platform().connect_vsock(*args, **kwargs))
            return None
        if method == "kms.connect":
            self._start_socket(call_id, connect_local_kms())
            return None
        return {"t": "ok", "id": call_id, "v": self._resolve(method)(*args, **kwargs)}

    def _resolve(self, method: str) -> Callable[..., Any]:
        group, _, name = method.partition(".")
        if group == "platform" and name in platform_methods():
            target = getattr(self.platform(), name, None)
            if callable(target):
                return target  # type: ignore[no-any-return]
            return lambda: target
        if method in self.extras:
            return self.extras[method](self.platform())
        raise protocol.RemoteError(
            f"the remote nitrodeck does not know the call {method!r}",
            fix="install the same nitrodeck version on both machines",
        )

    def _start_console(self, sid: int, stream: ConsoleStream) -> None:
        self._streams[sid] = stream.close
        self.send({"t": "ok", "id": sid, "v": {"stream": sid}})
        self._pool.submit(self._pump_iter, sid, iter(stream))

    def _pump_iter(self, sid: int, chunks: Iterator[bytes]) -> None:
        error: object = None
        try:
            for chunk in chunks:
                if sid not in self._streams:
                    break
                self.send({"t": "data", "s": sid, "b": bytes(chunk)})
        except (NitrodeckError, OSError) as failure:
            error = protocol.error_payload(failure)
        self._streams.pop(sid, None)
        self.send({"t": "end", "s": sid, "e": error})

    def _start_socket(self, sid: int, sock: socket.socket) -> None:
        self._sockets[sid] = sock

        def close() -> None:
            self._sockets.pop(sid, None)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

        self._streams[sid] = close
        self.send({"t": "ok", "id": sid, "v": {"stream": sid}})
        self._pool.submit(self._pump_iter, sid, _socket_chunks(sock))


def connect_local_kms() -> socket.socket:
    """A connection to this home's local KMS (started if needed); never any other address."""
    from urllib.parse import urlsplit

    from core.kms.local.daemon import ensure_local_kms

    port = urlsplit(ensure_local_kms(served_home())).port
    return socket.create_connection(("127.0.0.1", port or 0), timeout=10)


def _socket_chunks(sock: socket.socket) -> Iterator[bytes]:
    sock.settimeout(None)
    while True:
        try:
            chunk = sock.recv(CHUNK)
        except OSError:
            return
        if not chunk:
            return
        yield chunk
