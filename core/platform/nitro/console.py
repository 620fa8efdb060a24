"""An enclave's console on a parent: AF_VSOCK to (CID 0, CID + 10000), else `nitro-cli console`.

Both are read-only, like nitro-cli's. Nothing is kept by the hypervisor (aws/aws-nitro-enclaves-cli
#664), so a stream starts at the moment it connects. `follow=False` reads what arrives within
`IDLE` seconds and stops; a vsock stream ends at EOF (the enclave terminated).
"""

from __future__ import annotations

import contextlib
import io
import select
import socket
import subprocess
import threading
from collections.abc import Iterator

from core.platform.nitro import vsock

READ_SIZE = 1 << 16  # nitro-cli reads 1024 bytes at a time; bigger reads keep up better
IDLE = 1.0
_BANNER = (b"Connecting to the console for enclave", b"Successfully connected to the console.")


class VsockConsole:
    """Chunks read from a connected console socket until EOF or `close()`."""

    def __init__(self, sock: socket.socket, *, follow: bool = True) -> None:
        self._sock = sock
        self._follow = follow
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        try:
            while not self._closed.is_set():
                ready, _, _ = select.select([self._sock], [], [], 0.2 if self._follow else IDLE)
                if not ready:
                    if self._follow:
                        continue
                    return
                data = self._sock.recv(READ_SIZE)
                if not data:
                    return
                yield data
        except OSError:
            if not self._closed.is_set():
                raise
        finally:
            self.close()

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._sock.close()


class CliConsole:
    """`nitro-cli console`'s stdout without its two banner lines; `close()` ends the process."""

    def __init__(self, program: str, enclave_id: str, *, follow: bool = True) -> None:
        args = [program, "console", "--enclave-id", enclave_id]
        if not follow:
            args += ["--disconnect-timeout", str(int(IDLE))]
        self._proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
        )
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[bytes]:
        stdout = self._proc.stdout
        assert isinstance(stdout, io.BufferedReader)
        banner = BannerFilter()
        try:
            while not self._closed.is_set():
                data = banner.feed(stdout.read1(READ_SIZE))
                if data:
                    yield data
                elif banner.ended:
                    break
            rest = banner.finish()
            if rest:
                yield rest
            self._raise_failure()
        finally:
            self.close()

    def _raise_failure(self) -> None:
        """nitro-cli's own error (E44 for a production enclave) once it has exited."""
        code = self._proc.wait()
        if code and not self._closed.is_set():
            from core.platform.nitro.nitro_cli import failure

            assert self._proc.stderr is not None
            raise failure(code, self._proc.stderr.read().decode(errors="replace"))

    def close(self) -> None:
        if self._proc.poll() is None:
            self._closed.set()
            with contextlib.suppress(OSError):
                self._proc.terminate()
            try:
                self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        for pipe in (self._proc.stdout, self._proc.stderr):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


class BannerFilter:
    """Drops the two lines nitro-cli prints before the stream, however reads split them."""

    def __init__(self) -> None:
        self._pending = b""
        self._skipping = True
        self.ended = False

    def feed(self, data: bytes) -> bytes:
        """What of `data` is console output; b"" at EOF (then `ended`) or while undecided."""
        if not data:
            self.ended = True
            return b""
        if not self._skipping:
            return data
        buffer = self._pending + data
        while True:
            line, newline, rest = buffer.partition(b"\n")
            if not newline:
                if any(b.startswith(line) or line.startswith(b) for b in _BANNER):
                    self._pending = buffer  # maybe a banner line still arriving
                    return b""
                break
            if not line.startswith(_BANNER):
                break
            buffer = rest
        self._skipping, self._pending = False, b""
        return buffer

    def finish(self) -> bytes:
        """At EOF: held-back text that turned out not to be a banner line is output after all."""
        rest, self._pending = self._pending, b""
        return b"" if rest.startswith(_BANNER) else rest


def open_console(
    program: str, enclave_id: str, cid: int, *, follow: bool, connector: vsock.Connector
) -> VsockConsole | CliConsole:
    """The vsock console when it connects, else the nitro-cli fallback."""
    try:
        sock = connector(*vsock.console_address(cid), vsock.CONNECT_TIMEOUT)
    except vsock.VsockUnavailable:
        return CliConsole(program, enclave_id, follow=follow)
    return VsockConsole(sock, follow=follow)
