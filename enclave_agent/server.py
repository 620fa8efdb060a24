"""The agent's server loop: accept connections, read framed requests, answer from `AgentOps`.

One thread per connection, at most `Limits.max_connections` at once (the next client gets a
`busy` error and a closed socket). A frame that is not CBOR or not a valid request gets an error
reply and the connection stays open; an oversized, truncated or too-slow frame breaks the
framing, so that client gets an error (when it can still be written) and is disconnected. None of
this affects the other connections. Nothing secret is ever logged: log lines name operations and
error codes only.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from enclave_agent import protocol
from enclave_agent.ops import AgentOps, OpError

# How long a full agent looks for an idle client to close before refusing a new one: covers the
# moment between a reply leaving and its connection being marked idle, not a busy client.
ADMIT_GRACE = 0.05


def console(line: str) -> None:
    """The enclave console is the process's stdout."""
    print(f"nitrodeck-agent: {line}", file=sys.stdout, flush=True)


def _op_name(message: dict[str, Any]) -> str:
    """The request's op for a log line: client text, so quoted and cut short."""
    return repr(message.get("op"))[:40]


@dataclass(frozen=True)
class Limits:
    max_frame: int = protocol.MAX_FRAME
    max_connections: int = 16
    idle_timeout: float = 60.0  # between requests: an idle client gives its slot back
    frame_timeout: float = 5.0  # from a frame's first byte to its last
    write_timeout: float = 5.0
    evict_after: float = 1.0  # when full, a client idle this long yields its slot to a new one


class AgentServer:
    """Serves `ops` on an already listening stream socket until `close()`."""

    def __init__(
        self,
        listener: socket.socket,
        ops: AgentOps,
        limits: Limits | None = None,
        log: Callable[[str], None] = console,
    ) -> None:
        self.listener = listener
        self.ops = ops
        self.limits = limits or Limits()
        self.log = log
        self._slots = threading.BoundedSemaphore(self.limits.max_connections)
        self._stop = threading.Event()
        # connection -> monotonic time since it has waited for its next request (None: busy)
        self._conns: dict[socket.socket, float | None] = {}
        self._conns_lock = threading.Lock()

    def serve_forever(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    break
                raise
            if not self._slots.acquire(blocking=False) and not self._admit_by_eviction():
                self._refuse(conn)
                continue
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def start(self) -> threading.Thread:
        """Serve in a background thread (tests, embedding)."""
        thread = threading.Thread(target=self.serve_forever, daemon=True, name="agent-accept")
        thread.start()
        return thread

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self.listener.close()
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def _admit_by_eviction(self) -> bool:
        """A slot for a new client by closing an idle one. A client just answered is marked idle
        a moment after its reply has left (its thread then loops to read), so a client that
        connects on the heels of a reply looks again for `ADMIT_GRACE` s before it is refused."""
        deadline = time.monotonic() + ADMIT_GRACE
        while not self._evict_idle():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)
        return self._slots.acquire(timeout=1.0)

    def _evict_idle(self) -> bool:
        """Close the connection that has waited longest for its next request, if it has waited
        `evict_after` seconds: idle clients must not lock everyone else out."""
        now = time.monotonic()
        with self._conns_lock:
            idle = [(since, c) for c, since in self._conns.items() if since is not None]
        if not idle:
            return False
        since, victim = min(idle, key=lambda pair: pair[0])
        if now - since < self.limits.evict_after:
            return False
        self.log("closed the longest-idle connection to admit a new client")
        with contextlib.suppress(OSError):
            victim.shutdown(socket.SHUT_RDWR)
        return True

    def _refuse(self, conn: socket.socket) -> None:
        self.log("refused a connection: too many clients")
        self._send(conn, protocol.error_reply(0, protocol.BUSY, "agent is at its connection limit"))
        with contextlib.suppress(OSError):
            conn.close()

    def _send(self, conn: socket.socket, message: dict[str, Any]) -> bool:
        try:
            frame = protocol.encode_frame(message, max_size=self.limits.max_frame)
        except protocol.ProtocolError as error:  # a reply too large for one frame
            request_id = protocol.request_id_of(message)
            frame = protocol.encode_frame(
                protocol.error_reply(request_id, error.code, error.message)
            )
        try:
            conn.settimeout(self.limits.write_timeout)
            conn.sendall(frame)
            return True
        except OSError:
            return False

    def _run(self, conn: socket.socket) -> None:
        with self._conns_lock:
            self._conns[conn] = None
        try:
            self._serve(conn)
        finally:
            with self._conns_lock:
                self._conns.pop(conn, None)
            with contextlib.suppress(OSError):
                conn.close()
            self._slots.release()

    def _serve(self, conn: socket.socket) -> None:
        while not self._stop.is_set():
            self._mark(conn, time.monotonic())
            try:
                message = protocol.recv_message(
                    conn,
                    max_size=self.limits.max_frame,
                    idle_timeout=self.limits.idle_timeout,
                    frame_timeout=self.limits.frame_timeout,
                )
            except protocol.ProtocolError as error:
                self.log(f"client error: {error.code}")
                self._send(conn, protocol.error_reply(0, error.code, error.message))
                if error.fatal:
                    return
                continue
            except OSError:
                return
            if message is None:
                return
            self._mark(conn, None)
            if not self._send(conn, self._answer(message)):
                return

    def _mark(self, conn: socket.socket, since: float | None) -> None:
        with self._conns_lock:
            if conn in self._conns:
                self._conns[conn] = since

    def _answer(self, message: dict[str, Any]) -> dict[str, Any]:
        request_id = protocol.request_id_of(message)
        try:
            request = protocol.parse_request(message)
            return protocol.ok_reply(request.id, self.ops.handle(request.op, request.args))
        except protocol.ProtocolError as error:
            return protocol.error_reply(request_id, error.code, error.message)
        except OpError as error:
            self.log(f"{_op_name(message)}: {error.code}")
            return protocol.error_reply(request_id, error.code, error.message)
        except Exception as error:  # a bug in the agent must not take the connection down
            self.log(f"{_op_name(message)}: internal error {type(error).__name__}")
            return protocol.error_reply(
                request_id, protocol.INTERNAL, f"internal error: {type(error).__name__}"
            )
