"""The client end of the remote protocol: calls, streams and the process that carries them.

One reader thread routes every incoming message: results to the call waiting on them, stream
bytes to their stream's queue. Calls may come from many threads at once (the app's workers,
the fleet's per-host threads); each waits only for its own answer, up to its own timeout.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import signal
import socket
import threading
import weakref
from collections.abc import Iterator
from typing import Any

from core.remote import codec, early, framing, protocol
from core.remote.protocol import RemoteError
from core.remote.untrusted import clean_text

STDERR_KEEP = 4000
STREAM_BUFFER = 8 << 20
"""Bytes a stream may hold unread here; a remote sending more ends the stream (never memory)."""

_open_connections: weakref.WeakSet[RemoteConnection] = weakref.WeakSet()


def close_open_connections() -> None:
    """End every session this process still has open (a command's platforms, at its end)."""
    for connection in list(_open_connections):
        connection.close()


class RemoteConnection:
    """A started `nitrodeck serve --stdio` (through ssh or locally) and the calls to it."""

    def __init__(
        self,
        argv: list[str],
        *,
        where: str,
        env: dict[str, str] | None = None,
        options: dict[str, Any] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.where = where
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._waiting: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._streams: dict[int, StreamBox] = {}
        self._closed: str | None = None
        self._stderr = bytearray()
        options = options or {}
        try:
            self.process = early.adopt(argv, env, options) or early.spawn(argv, env, options)
        except OSError as error:
            raise RemoteError(
                f"cannot start {argv[0]!r}: {error.strerror}",
                where=where,
                fix="install OpenSSH's client or set NITRODECK_SSH_COMMAND to your ssh command",
            ) from None
        assert self.process.stdin and self.process.stdout and self.process.stderr
        self._in, self._out = self.process.stdin, self.process.stdout
        _open_connections.add(self)
        self._stderr_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._stderr_thread.start()
        hello_box: queue.Queue[object] = queue.Queue()
        self._hello = hello_box
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        self._handshake(timeout)

    # set-up -----------------------------------------------------------------------------
    def _handshake(self, timeout: float) -> None:
        """Check the server's hello (ours went out with the process, `early.spawn`)."""
        try:
            first = self._hello.get(timeout=timeout)
        except queue.Empty:
            self.close(wait=0)
            raise RemoteError(
                f"no answer within {timeout:g} s",
                where=self.where,
                fix="check that the host is up and reachable with the same ssh command",
            ) from None
        if isinstance(first, BaseException):
            self.close()
            raise first
        try:
            protocol.check_hello(first, where=self.where)
        except RemoteError:
            self.close()
            raise

    def _drain_stderr(self) -> None:
        """Keep the last `STDERR_KEEP` bytes; read in chunks, as a line may never end."""
        assert self.process.stderr is not None
        fd = self.process.stderr.fileno()
        with contextlib.suppress(OSError):  # the pipe closed under us: nothing more to keep
            while chunk := os.read(fd, STDERR_KEEP):
                self._stderr += chunk
                del self._stderr[:-STDERR_KEEP]

    def stderr_text(self) -> str:
        """What ssh and the remote printed on stderr (last lines), safe to show."""
        return clean_text(self._stderr.decode("utf-8", "replace").strip())

    def _read_loop(self) -> None:
        failure: BaseException | None = None
        try:
            first = True
            while (frame := framing.read_frame(self._out, where=self.where)) is not None:
                message = codec.loads(frame, untrusted=True)
                if first:
                    self._hello.put(message)
                    first = False
                    continue
                self._route(message)
        except Exception as error:  # the stream broke: every waiter must hear of it
            failure = error
        self.process.wait()
        self._stderr_thread.join(timeout=1.0)  # its last line is usually the reason
        self._fail_all(failure)

    def _fail_all(self, failure: BaseException | None) -> None:
        detail = self.stderr_text().splitlines()[-1:] or [f"exit status {self.process.returncode}"]
        reason = str(failure) if failure is not None else detail[0]
        with self._lock:
            self._closed = reason
            waiters: list[queue.Queue[dict[str, Any]] | StreamBox] = [
                *self._waiting.values(),
                *self._streams.values(),
            ]
            self._waiting.clear()
            self._streams.clear()
        lost = {"t": "lost", "reason": reason}
        for box in waiters:
            box.put(lost)
        self._hello.put(failure or self._lost_error(reason))

    def _lost_error(self, reason: str) -> RemoteError:
        return RemoteError(
            f"the connection ended: {reason}",
            where=self.where,
            fix="check the host, your ssh access (`ssh HOST nitrodeck --version`) and that "
            "nitrodeck is installed on the remote PATH (or set the context's remote command)",
        )

    def _route(self, message: dict[str, Any]) -> None:
        kind = message.get("t")
        with self._lock:
            if kind in ("ok", "err"):
                waiter = self._waiting.pop(message["id"], None)
                stream = None
            else:
                waiter, stream = None, self._streams.get(message.get("s", -1))
                if kind == "end":
                    self._streams.pop(message["s"], None)
        if waiter is not None:
            waiter.put(message)
        if stream is not None and not stream.put(message):
            self._drop_stream(message["s"])

    def _drop_stream(self, sid: int) -> None:
        """Forget a stream that broke its bounds and tell the remote, without blocking reads
        (a remote flooding us may not be reading its stdin)."""
        with self._lock:
            self._streams.pop(sid, None)

        def tell() -> None:
            with contextlib.suppress(RemoteError):
                self._send({"t": "close", "s": sid})

        threading.Thread(target=tell, daemon=True).start()

    def _send(self, message: dict[str, Any]) -> None:
        payload = codec.dumps(message)
        with self._lock:
            if self._closed is not None:
                raise self._lost_error(self._closed)
            try:
                framing.write_frame(self._in, payload)
            except (OSError, ValueError) as error:
                raise self._lost_error(str(error)) from None

    # calls ------------------------------------------------------------------------------
    def call(self, method: str, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        """The remote call's result, or its error raised here as the same class."""
        answer = self._call(method, args, kwargs, timeout, stream=False)
        return answer.get("v")

    def _call(
        self,
        method: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        timeout: float | None,
        *,
        stream: bool,
    ) -> dict[str, Any]:
        call_id = next(self._ids)
        box: queue.Queue[dict[str, Any]] = queue.Queue()
        stream_box = StreamBox()
        with self._lock:
            if self._closed is not None:
                raise self._lost_error(self._closed)
            self._waiting[call_id] = box
            if stream:
                self._streams[call_id] = stream_box
        self._send({"t": "call", "id": call_id, "m": method, "a": list(args), "k": kwargs})
        try:
            answer = box.get(timeout=timeout or self.timeout)
        except queue.Empty:
            with self._lock:
                self._waiting.pop(call_id, None)
                self._streams.pop(call_id, None)
            raise RemoteError(
                f"{method} got no answer within {timeout or self.timeout:g} s", where=self.where
            ) from None
        if answer["t"] == "lost":
            raise self._lost_error(answer["reason"])
        if answer["t"] == "err":
            with self._lock:
                self._streams.pop(call_id, None)
            protocol.raise_payload(answer["e"], where=self.where)
        answer["id"] = call_id
        answer["box"] = stream_box
        return answer

    def open_stream(self, method: str, *args: Any, **kwargs: Any) -> RemoteStream:
        """A streaming call: its bytes (and its end) arrive in the box registered before it."""
        answer = self._call(method, args, kwargs, None, stream=True)
        return RemoteStream(self, answer["id"], answer["box"])

    def send_data(self, sid: int, data: bytes) -> None:
        self._send({"t": "data", "s": sid, "b": data})

    def close_stream(self, sid: int) -> None:
        with self._lock:
            box = self._streams.pop(sid, None)
        if box is not None:
            box.put({"t": "end", "e": None})
        with contextlib.suppress(RemoteError):
            self._send({"t": "close", "s": sid})

    def close(self, wait: float = 3.0) -> None:
        """End the session: closing stdin ends the server, which ends ssh.

        A session that does not end by itself (a hung host) is killed with its whole process
        group, so ssh's ProxyCommand children go too.
        """
        _open_connections.discard(self)
        with contextlib.suppress(OSError):
            self._in.close()
        # The reader ends once the server has exited (it reaps it with a blocking wait), so
        # joining it returns at once; Popen.wait(timeout) would poll, costing up to ~60 ms.
        if self._reader is not threading.current_thread():
            self._reader.join(timeout=wait)
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class StreamBox:
    """One stream's messages waiting to be read, holding at most `STREAM_BUFFER` bytes."""

    def __init__(self) -> None:
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0
        self._broken = False

    def put(self, message: dict[str, Any]) -> bool:
        """Queue `message`; False when it broke the stream's bounds (the stream then ends)."""
        if message.get("t") == "data":
            data = message.get("b")
            with self._lock:
                if self._broken:
                    return False
                size = len(data) if isinstance(data, bytes) else STREAM_BUFFER + 1
                if self._pending + size > STREAM_BUFFER:
                    self._broken = True
                    self._queue.put({"t": "overflow"})
                    return False
                self._pending += size
        self._queue.put(message)
        return True

    def get(self) -> dict[str, Any]:
        message = self._queue.get()
        if message.get("t") == "data":
            with self._lock:
                self._pending -= len(message["b"])
        return message


class RemoteStream:
    """Bytes the server pumps for one streaming call; also a `ConsoleStream`."""

    def __init__(self, connection: RemoteConnection, sid: int, box: StreamBox) -> None:
        self.connection, self.sid, self._box = connection, sid, box

    def __iter__(self) -> Iterator[bytes]:
        while True:
            message = self._box.get()
            if message["t"] == "data":
                yield message["b"]
                continue
            if message["t"] == "lost":
                raise self.connection._lost_error(message["reason"])
            if message["t"] == "overflow":
                raise RemoteError(
                    f"the remote sent more than {STREAM_BUFFER >> 20} MiB on a stream before "
                    "this side read it (or sent something that is not bytes); the stream "
                    "was closed",
                    where=self.connection.where,
                    fix="check the remote host: a nitrodeck engine never sends that much unasked",
                )
            if message.get("e") is not None:
                protocol.raise_payload(message["e"], where=self.connection.where)
            return

    def close(self) -> None:
        self.connection.close_stream(self.sid)

    def as_socket(self) -> socket.socket:
        """A local socket whose far side is this stream (a remote vsock connection)."""
        ours, theirs = socket.socketpair()
        self.bridge(ours)
        return theirs

    def bridge(self, ours: socket.socket) -> None:
        """Pump bytes both ways between `ours` and this stream until either side ends."""

        def upstream() -> None:
            while True:
                try:
                    chunk = ours.recv(64 << 10)
                except OSError:
                    chunk = b""
                if not chunk:
                    self.close()
                    ours.close()
                    return
                try:
                    self.connection.send_data(self.sid, chunk)
                except RemoteError:
                    return

        def downstream() -> None:
            try:
                for chunk in self:
                    ours.sendall(chunk)
            except (OSError, RemoteError):
                pass
            with contextlib.suppress(OSError):
                ours.shutdown(socket.SHUT_WR)

        threading.Thread(target=upstream, daemon=True).start()
        threading.Thread(target=downstream, daemon=True).start()
