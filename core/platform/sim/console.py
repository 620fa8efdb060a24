"""An enclave's console on disk: a bounded, rotated file and any number of followers.

The supervisor appends the payload's output (and its own boot lines) to `console.log`; past
`max_bytes` the file becomes `console.log.1` and a new one starts, so at most twice that is kept,
also after the enclave exits (nitro-cli keeps nothing). Followers tail the files, so they never
slow the enclave down and may come and go at will.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

from core.platform.sim.inotify import DirectoryWatch, watch

MAX_BYTES = 8 << 20
READ_CHUNK = 1 << 20
ENDED = "ended"
LOST = "\n[nitrodeck-sim: {} console file(s) rotated away before this reader got to them]\n"


class ConsoleWriter:
    """Appends to `console.log`, rotating to `console.log.1` past `max_bytes`."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)  # no O_APPEND: splice
        self._size = os.fstat(self._fd).st_size
        self._note_file()
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._splice = hasattr(os, "splice")

    def write(self, data: bytes) -> None:
        """Append `data` (thread-safe: the payload pump and boot lines share the file)."""
        with self._lock:
            self._append(data)

    def copy_from(self, source: int) -> int:
        """Move what a pipe holds into the file (zero-copy `splice` where the kernel allows);
        0 at EOF. Raises BlockingIOError when nothing is there yet (`source` is non-blocking)."""
        with self._lock:
            room = max(self.max_bytes - self._size, 1)
            if self._splice:
                try:
                    moved = os.splice(
                        source,
                        self._fd,
                        min(room, READ_CHUNK),
                        offset_dst=self._size,
                        flags=os.SPLICE_F_NONBLOCK,
                    )
                except OSError as error:
                    if isinstance(error, BlockingIOError):
                        raise
                    self._splice = False  # e.g. a file system without splice support
                    return self._copy_read(source, room)
            else:
                return self._copy_read(source, room)
            self._size += moved
            if self._size >= self.max_bytes:
                self._rotate()
            return moved

    def _copy_read(self, source: int, room: int) -> int:
        data = os.read(source, min(room, READ_CHUNK))
        self._append(data)
        return len(data)

    def _append(self, data: bytes) -> None:
        """Write at the end (the lock is held) and rotate past the bound."""
        view = memoryview(data)
        while view:
            written = os.pwrite(self._fd, view, self._size)
            view = view[written:]
            self._size += written
        if self._size >= self.max_bytes:
            self._rotate()

    def line(self, text: str) -> None:
        """A boot line stamped like a kernel's (seconds since the enclave started)."""
        self.write(f"[{time.monotonic() - self._started:12.6f}] {text}\n".encode())

    def _rotate(self) -> None:
        os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        os.close(self._fd)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._size = 0
        self._note_file()

    def _note_file(self) -> None:
        """Record each new file's inode in order, so a reader can tell what it missed."""
        line = f"{os.fstat(self._fd).st_ino}\n".encode()
        index = os.open(_index(self.path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(index, line)
        finally:
            os.close(index)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)


def mark_ended(directory: Path) -> None:
    """Tell followers the enclave is gone: after this no byte will be added."""
    with contextlib.suppress(OSError):
        (directory / ENDED).touch()


class FileConsoleStream:
    """Chunks of the saved console from its start; when following, new ones as they come.

    Ends when the enclave has ended (its `ended` marker or `alive()` turning false) and every
    byte has been read, or when `close()` is called (from any thread).
    """

    def __init__(
        self,
        path: Path,
        *,
        follow: bool = True,
        alive: Callable[[], bool] | None = None,
        poll: float = 0.002,
        max_poll: float = 0.05,
    ) -> None:
        self.path = path
        self.follow = follow
        self._alive = alive or (lambda: True)
        self._poll = poll
        self._max_poll = max_poll
        self._closed = threading.Event()
        self._wake: tuple[int, int] | None = None  # a self-pipe while a follower waits
        self._wake_lock = threading.Lock()

    def close(self) -> None:
        """End the iteration promptly; safe from any thread, idempotent."""
        self._closed.set()
        with self._wake_lock:
            if self._wake is not None:
                with contextlib.suppress(OSError):
                    os.write(self._wake[1], b"x")

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def _ended(self) -> bool:
        return (self.path.parent / ENDED).exists() or not self._alive()

    def __iter__(self) -> Iterator[bytes]:
        old = self.path.with_name(self.path.name + ".1")
        fd_old = _open(old)
        fd = _open(self.path)
        try:
            if fd_old is not None:
                yield from _drain(fd_old, self._closed)
                os.close(fd_old)
                fd_old = None
            yield from self._tail(fd)
        finally:
            for f in (fd_old, fd):
                if f is not None:
                    with contextlib.suppress(OSError):
                        os.close(f)

    def _tail(self, fd: int | None) -> Iterator[bytes]:
        watcher = watch(self.path.parent) if self.follow else None
        if watcher is not None:
            self._wake = os.pipe()
        try:
            yield from self._tail_with(fd, watcher)
        finally:
            if watcher is not None:
                watcher.close()
            with self._wake_lock:
                wake, self._wake = self._wake, None
                for end in wake or ():
                    with contextlib.suppress(OSError):
                        os.close(end)

    def _missed_segment(self, done: int) -> Generator[bytes, None, int]:
        return _missed_segment_of(self.path, done, self._closed)

    def _wait(self, watcher: DirectoryWatch | None, delay: float) -> None:
        """Sleep until the directory changes (inotify), `close()`, or `delay` passes."""
        if watcher is None:
            self._closed.wait(delay)
            return
        wake = [self._wake[0]] if self._wake is not None else []
        ready, _, _ = select.select([watcher.fileno(), *wake], [], [], 0.2)
        if watcher.fileno() in ready:
            watcher.drain()

    def _tail_with(self, fd: int | None, watcher: DirectoryWatch | None) -> Iterator[bytes]:
        delay = self._poll
        last_check = 0.0
        finished: int | None = None  # inode of the last file read to its end
        while not self._closed.is_set():
            if fd is None:
                fd = _open(self.path)
                if fd is not None and finished is not None:
                    lost = _files_between(self.path, finished, os.fstat(fd).st_ino)
                    finished = None
                    if lost:
                        yield LOST.format(lost).encode()
            data = os.read(fd, READ_CHUNK) if fd is not None else b""
            if data:
                delay = self._poll
                yield data
                continue
            if fd is not None and _rotated(fd, self.path):
                yield from _drain(fd, self._closed)
                finished = yield from self._missed_segment(fd)
                os.close(fd)
                fd = None
                continue
            if not self.follow:
                return
            now = time.monotonic()
            if now - last_check > 0.2 or delay >= self._max_poll:
                last_check = now
                if self._ended():
                    if fd is not None:
                        yield from _drain(fd, self._closed)
                    return
            self._wait(watcher, delay)
            delay = min(delay * 2, self._max_poll)


def _missed_segment_of(
    path: Path, done: int, closed: threading.Event
) -> Generator[bytes, None, int]:
    """After finishing the rotated file `done`: if `.1` is a newer file we never read (the
    writer rotated twice meanwhile), read it too. Returns the inode of the last file read."""
    last = os.fstat(done).st_ino
    older = _open(path.with_name(path.name + ".1"))
    if older is None:
        return last
    try:
        ino = os.fstat(older).st_ino
        if ino != last:
            lost = _files_between(path, last, ino)
            if lost:
                yield LOST.format(lost).encode()
            yield from _drain(older, closed)
            return ino
        return last
    finally:
        os.close(older)


def _index(path: Path) -> Path:
    return path.with_name(path.name + ".files")


def _files_between(path: Path, before: int, after: int) -> int:
    """How many console files came between two inodes (they rotated away unread)."""
    try:
        inodes = [int(x) for x in _index(path).read_text().split()]
    except (OSError, ValueError):
        return 0
    if after not in inodes:
        return 0
    end = len(inodes) - 1 - inodes[::-1].index(after)
    earlier = inodes[:end]
    if before not in earlier:
        return 0
    start = len(earlier) - 1 - earlier[::-1].index(before)
    return max(0, end - start - 1)


def _open(path: Path) -> int | None:
    try:
        return os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None


def _rotated(fd: int, path: Path) -> bool:
    try:
        return os.stat(path).st_ino != os.fstat(fd).st_ino
    except FileNotFoundError:
        return True


def _drain(fd: int, closed: threading.Event) -> Iterator[bytes]:
    while not closed.is_set():
        data = os.read(fd, READ_CHUNK)
        if not data:
            return
        yield data
