"""The local KMS's request log: whole lines from one writer, rotated by size.

Every line is one `os.write` of at most `MAX_LINE` bytes on an O_APPEND descriptor, taken under
one lock, so lines from the loop and the worker threads never interleave; control characters a
client could inject are escaped. When the file passes `max_bytes` it becomes `server.log.1` (the
older ones shift up to `backups`) and a fresh file starts: a flood of clients costs disk space
bounded by `(backups + 1) * max_bytes`.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from core.home import private_open

MAX_LINE = 400
DEFAULT_MAX_BYTES = 1 << 20
DEFAULT_BACKUPS = 2


def clean_line(line: str) -> str:
    """One printable line: no newline or escape sequence from a client survives into the log."""
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in line)
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"


class RotatingLog:
    """`log(line)`: append a timestamped line to `path`; callable from any thread."""

    def __init__(
        self, path: Path, max_bytes: int = DEFAULT_MAX_BYTES, backups: int = DEFAULT_BACKUPS
    ) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.backups = max(1, backups)
        self._lock = threading.Lock()
        self._fd = private_open(self.path)
        self._size = os.fstat(self._fd).st_size

    def __call__(self, line: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        data = f"{stamp} {clean_line(line)}\n".encode()
        with self._lock:
            if self._fd < 0:
                return
            if self._size + len(data) > self.max_bytes and self._size > 0:
                self._rotate()
            os.write(self._fd, data)
            self._size += len(data)

    def _rotate(self) -> None:
        os.close(self._fd)
        for index in range(self.backups, 1, -1):
            older = self.path.with_name(f"{self.path.name}.{index - 1}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{index}"))
        os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))
        self._fd = private_open(self.path)
        self._size = 0

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1
