"""The local KMS's HTTP/1.1 transport, built to survive hostile local clients.

One asyncio loop (one thread) accepts and reads every connection; only a complete request (head
and body) is handed to a small fixed pool of worker threads. So slow clients cost a socket, not a
thread, and never delay a signed request: a client that opens a connection and sends nothing is
closed after `idle_timeout`, one that starts a request must finish it within `request_timeout`
(headers then a dribbled body is dropped within seconds), at most `max_connections` are open (a
new one evicts the longest-waiting connection that is not being answered). A reset or a drop
is one log line, never a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus

Log = Callable[[str], None]


@dataclass(frozen=True)
class HttpLimits:
    max_connections: int = 512
    request_timeout: float = 5.0  # from a request's first byte to its last body byte
    idle_timeout: float = 30.0  # waiting for a connection's next request
    write_timeout: float = 5.0
    max_head: int = 16 * 1024
    max_body: int = 1 << 20
    workers: int = 4


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    peer: str


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


Handler = Callable[[HttpRequest], HttpResponse]
Reject = Callable[[int, str], HttpResponse]  # (status, message) -> an error response


class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(eq=False)
class _Conn:
    writer: asyncio.StreamWriter
    since: float = field(default_factory=time.monotonic)
    answering: bool = False


def _parse_head(head: bytes, max_body: int) -> tuple[str, str, dict[str, str], int]:
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise BadRequest(400, "request head is not text") from None
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(400, "malformed request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(400, "malformed header line")
        headers[name.lower()] = value.strip()
    if "transfer-encoding" in headers:
        raise BadRequest(411, "Transfer-Encoding is not supported; send Content-Length")
    length_text = headers.get("content-length", "0")
    if not length_text.isdigit() or int(length_text) > max_body:
        raise BadRequest(413, f"Content-Length must be 0..{max_body} bytes")
    if parts[2] == "HTTP/1.0" and headers.get("connection", "").lower() != "keep-alive":
        headers.setdefault("connection", "close")
    return parts[0], parts[1], headers, int(length_text)


def render(response: HttpResponse, keep_alive: bool) -> bytes:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    lines.append(f"Content-Length: {len(response.body)}")
    lines.append("Connection: " + ("keep-alive" if keep_alive else "close"))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body


class HttpServer:
    """Listens on `(host, port)` at construction (errors surface there); serves on `start()`."""

    def __init__(
        self,
        host: str,
        port: int,
        handler: Handler,
        reject: Reject,
        *,
        limits: HttpLimits | None = None,
        log: Log | None = None,
    ) -> None:
        self.handler = handler
        self.reject = reject
        self.limits = limits or HttpLimits()
        self.log = log or (lambda line: None)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host, port))
            self.socket.listen(1024)
        except OSError:
            self.socket.close()
            raise
        self.socket.setblocking(False)
        self.server_address = self.socket.getsockname()
        self._pool = ThreadPoolExecutor(self.limits.workers, thread_name_prefix="kms-worker")
        self._loop = asyncio.new_event_loop()
        self._conns: set[_Conn] = set()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def open_connections(self) -> int:
        return len(self._conns)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="kms-http")
        self._thread.start()
        self._ready.wait()

    def serve_forever(self) -> None:
        """Run the loop in this thread until `shutdown()` (or KeyboardInterrupt)."""
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._connection, sock=self.socket, limit=self.limits.max_head)
        )
        self._loop.call_soon(self._ready.set)
        try:
            self._loop.run_forever()
        finally:
            server.close()
            for conn in list(self._conns):
                conn.writer.transport.abort()
            tasks = asyncio.all_tasks(self._loop)
            for task in tasks:
                task.cancel()
            with contextlib.suppress(Exception):
                self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))

    def shutdown(self) -> None:
        """Stop serving and close everything; safe from any thread, and more than once."""
        if not self._loop.is_closed() and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None and threading.current_thread() is not self._thread:
                self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if not self._loop.is_running() and not self._loop.is_closed():
            self._loop.close()
        with contextlib.suppress(OSError):
            self.socket.close()

    def _admit(self, conn: _Conn) -> None:
        """Make room for `conn`: at the limit, the longest-waiting unanswered connection goes."""
        if len(self._conns) >= self.limits.max_connections:
            waiting = [c for c in self._conns if not c.answering]
            if waiting:
                victim = min(waiting, key=lambda c: c.since)
                self._conns.discard(victim)
                victim.writer.transport.abort()
                self.log(
                    f"connection limit {self.limits.max_connections}: "
                    "dropped the longest-waiting client"
                )
        self._conns.add(conn)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peername = writer.get_extra_info("peername")
        peer = f"{peername[0]}:{peername[1]}" if peername else "?"
        conn = _Conn(writer)
        self._admit(conn)
        try:
            while await self._one_request(reader, conn, peer):
                conn.since = time.monotonic()
        except (ConnectionError, asyncio.IncompleteReadError, OSError) as error:
            if conn in self._conns:  # not an eviction
                self.log(f"client {peer}: connection {_reason(error)}")
        except asyncio.CancelledError:  # shutting down: end quietly, not as a cancelled task
            pass
        finally:
            self._conns.discard(conn)
            writer.transport.abort()

    async def _one_request(self, reader: asyncio.StreamReader, conn: _Conn, peer: str) -> bool:
        """Read, answer and write one request; False when the connection should close."""
        try:
            first = await asyncio.wait_for(reader.read(1), self.limits.idle_timeout)
        except TimeoutError:
            return False
        if not first:
            return False  # a clean close between requests
        conn.since = time.monotonic()
        try:
            async with asyncio.timeout(self.limits.request_timeout):
                try:
                    head = first + await reader.readuntil(b"\r\n\r\n")
                except asyncio.LimitOverrunError:
                    raise BadRequest(431, "request head too large") from None
                method, target, headers, length = _parse_head(head[:-4], self.limits.max_body)
                body = await reader.readexactly(length)
        except TimeoutError:
            self.log(
                f"client {peer}: dropped, request not complete within "
                f"{self.limits.request_timeout:g} s"
            )
            return False
        except BadRequest as error:
            self.log(f"client {peer}: {error.status} {error.message}")
            await self._write(conn, self.reject(error.status, error.message), keep_alive=False)
            return False
        keep_alive = headers.get("connection", "").lower() != "close"
        conn.answering = True
        try:
            request = HttpRequest(method, target, headers, body, peer)
            response = await self._loop.run_in_executor(self._pool, self.handler, request)
        finally:
            conn.answering = False
        await self._write(conn, response, keep_alive=keep_alive)
        return keep_alive

    async def _write(self, conn: _Conn, response: HttpResponse, *, keep_alive: bool) -> None:
        conn.writer.write(render(response, keep_alive))
        try:
            await asyncio.wait_for(conn.writer.drain(), self.limits.write_timeout)
        except TimeoutError:
            raise ConnectionError("timed out writing the response") from None


def _reason(error: BaseException) -> str:
    if isinstance(error, asyncio.IncompleteReadError):
        return f"closed mid-request after {len(error.partial)} bytes"
    if isinstance(error, ConnectionResetError):
        return "reset by peer"
    return f"lost ({type(error).__name__}: {error})"[:120]
