"""cpio "newc" archives, the format of every EIF ramdisk: a streaming writer and reader.

Writer: entries sorted by path, owners 0, one inode number per entry, so the same tree always
gives the same bytes. Reader: a generator over members of a byte stream that never holds more
than one chunk of file content; concatenated archives (with zero padding between them, as the
kernel accepts) are read in order.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

from core.eif.errors import EifError
from core.eif.writer import FileRange, iter_range

MAGIC = b"070701"
MAGIC_CRC = b"070702"
HEADER_SIZE = 110
TRAILER = "TRAILER!!!"
MAX_NAME = 4096
_COPY = 1 << 20


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


@dataclass(frozen=True)
class CpioEntry:
    """One entry to write; `source` is the content (bytes, or a file to stream)."""

    path: str
    mode: int
    mtime: int = 0
    source: bytes | FileRange = b""
    rdevmajor: int = 0
    rdevminor: int = 0

    @classmethod
    def directory(cls, path: str, perm: int = 0o755, mtime: int = 0) -> CpioEntry:
        return cls(path, stat.S_IFDIR | perm, mtime)

    @classmethod
    def file(cls, path: str, data: bytes, perm: int = 0o644, mtime: int = 0) -> CpioEntry:
        return cls(path, stat.S_IFREG | perm, mtime, data)

    @property
    def size(self) -> int:
        return len(self.source) if isinstance(self.source, bytes) else self.source.size


def _header(
    ino: int, mode: int, nlink: int, mtime: int, size: int, name: bytes, rdev: tuple[int, int]
) -> bytes:
    fields = (ino, mode, 0, 0, nlink, mtime, size, 0, 0, rdev[0], rdev[1], len(name) + 1, 0)
    return MAGIC + b"".join(b"%08X" % value for value in fields)


def _pad(length: int) -> bytes:
    return b"\0" * (-length % 4)


def write_archive(sink: Writable, entries: Iterable[CpioEntry]) -> None:
    """Write `entries` sorted by path, then the trailer. Files named by path are streamed."""
    position = 0

    def emit(data: bytes) -> None:
        nonlocal position
        sink.write(data)
        position += len(data)

    ordered = sorted(entries, key=lambda entry: entry.path.encode("utf-8", "surrogateescape"))
    for ino, entry in enumerate(ordered, start=1):
        name = entry.path.encode("utf-8", "surrogateescape")
        size = entry.size
        nlink = 2 if stat.S_ISDIR(entry.mode) else 1
        emit(
            _header(
                ino, entry.mode, nlink, entry.mtime, size, name, (entry.rdevmajor, entry.rdevminor)
            )
        )
        emit(name + b"\0" + _pad(HEADER_SIZE + len(name) + 1))
        if isinstance(entry.source, bytes):
            emit(entry.source)
        else:
            for chunk in iter_range(entry.source):
                emit(chunk)
        emit(_pad(size))
    trailer = TRAILER.encode()
    emit(_header(0, 0, 1, 0, 0, trailer, (0, 0)))
    emit(trailer + b"\0" + _pad(HEADER_SIZE + len(trailer) + 1))


@dataclass
class CpioMember:
    """One member read from an archive; `offset` is where its header starts (uncompressed)."""

    path: str
    mode: int
    uid: int
    gid: int
    nlink: int
    mtime: int
    size: int
    rdevmajor: int
    rdevminor: int
    offset: int


class CpioReader:
    """Iterate the members of a stream; read a member's content with `chunks()` before moving on.

    `where` prefixes error locations (e.g. "ramdisk 1 of image.eif").
    """

    def __init__(self, stream: Readable, where: str) -> None:
        self._stream = stream
        self._where = where
        self._position = 0
        self._unread = 0

    def _fail(self, what: str, at: int) -> EifError:
        return EifError(what, where=f"{self._where}, uncompressed offset {at}")

    def _read(self, size: int, what: str) -> bytes:
        data = self._stream.read(size)
        while len(data) < size:
            more = self._stream.read(size - len(data))
            if not more:
                raise self._fail(f"archive ends inside {what}", self._position + len(data))
            data += more
        self._position += size
        return data

    def _skip(self, size: int, what: str) -> None:
        while size:
            step = min(size, _COPY)
            self._read(step, what)
            size -= step

    def chunks(self) -> Iterator[bytes]:
        """The current member's content, in chunks of at most 1 MiB."""
        while self._unread:
            chunk = self._read(min(self._unread, _COPY), "a member's data")
            self._unread -= len(chunk)
            yield chunk

    def read_all(self, limit: int = 1 << 20) -> bytes:
        if self._unread > limit:
            raise self._fail(
                f"member of {self._unread} bytes is too large to read whole", self._position
            )
        return b"".join(self.chunks())

    def _next_magic(self) -> bytes | None:
        """Skip zero padding between archives; None at the end of the stream."""
        while True:
            first = self._stream.read(1)
            if not first:
                return None
            if first != b"\0":
                self._position += 1
                return first + self._read(len(MAGIC) - 1, "a cpio magic")
            self._position += 1

    def __iter__(self) -> Iterator[CpioMember]:
        while True:
            start = self._position
            magic = self._next_magic()
            if magic is None:
                return
            start = self._position - len(MAGIC)
            if magic not in (MAGIC, MAGIC_CRC):
                raise self._fail(f"cpio magic is {magic!r}, expected b'070701' (newc)", start)
            raw = self._read(HEADER_SIZE - len(MAGIC), "a cpio header")
            try:
                fields = [int(raw[i : i + 8], 16) for i in range(0, 104, 8)]
            except ValueError:
                raise self._fail(
                    "cpio header has a field that is not 8 hex digits", start
                ) from None
            _ino, mode, uid, gid, nlink, mtime, size, _, _, rmaj, rmin, namesize, _ = fields
            if not 1 <= namesize <= MAX_NAME:
                raise self._fail(f"cpio name size {namesize}, expected 1..{MAX_NAME}", start + 94)
            name = self._read(namesize, "a cpio name")
            self._skip(-(HEADER_SIZE + namesize) % 4, "name padding")
            if b"\0" in name[:-1] or name[-1:] != b"\0":
                raise self._fail("cpio name is not one NUL-terminated string", start + HEADER_SIZE)
            path = name[:-1].decode("utf-8", "surrogateescape")
            if path == TRAILER:
                continue
            self._unread = size
            yield CpioMember(path, mode, uid, gid, nlink, mtime, size, rmaj, rmin, start)
            self._skip(self._unread, "a member's data")
            self._unread = 0
            self._skip(-size % 4, "data padding")
