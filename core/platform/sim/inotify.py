"""A minimal inotify watch (Linux, via libc) so console followers wake the moment data lands.

Falls back to nothing (callers poll) where inotify is unavailable. ctypes is loaded on the first
watch, not on import: every simulator command imports this module, few follow a console.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ctypes

IN_MODIFY = 0x002
IN_CLOSE_WRITE = 0x008
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
_MASK = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE

_libc: ctypes.CDLL | None = None


def _lib() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        import ctypes.util

        _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    return _libc


def _errno() -> int:
    import ctypes

    return ctypes.get_errno()


class DirectoryWatch:
    """An fd that becomes readable when a file in `directory` is written or created."""

    def __init__(self, directory: Path) -> None:
        libc = _lib()
        fd = int(libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC))
        if fd < 0:
            raise OSError(_errno(), "inotify_init1 failed")
        if libc.inotify_add_watch(fd, os.fsencode(directory), _MASK) < 0:
            os.close(fd)
            raise OSError(_errno(), f"inotify_add_watch failed for {directory}")
        self.fd = fd

    def fileno(self) -> int:
        return self.fd

    def drain(self) -> None:
        """Forget the pending events (the reader re-reads the files anyway)."""
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while os.read(self.fd, 65536):
                pass

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def watch(directory: Path) -> DirectoryWatch | None:
    try:
        return DirectoryWatch(directory)
    except (OSError, AttributeError):
        return None
