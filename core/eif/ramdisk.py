"""Ramdisk sections as linuxkit writes them: a gzip-compressed cpio, zero-padded to 4 bytes.

Reading accepts plain or gzip cpio, several gzip members, and zero padding, like the kernel's
initramfs unpacker; decompression streams from the file, so a large ramdisk is never in memory.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable
from pathlib import Path

from core.eif.cpio import CpioEntry, CpioReader, write_archive
from core.eif.errors import EifError
from core.eif.writer import FileRange
from enclave_agent.closing import Closing

_CHUNK = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"


def write_ramdisk(path: Path, entries: Iterable[CpioEntry]) -> int:
    """Write a gzip cpio ramdisk (deterministic: no name, mtime 0); return its size."""
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            write_archive(gz, entries)
        length = raw.tell()
        raw.write(b"\0" * (-length % 4))
        return raw.tell()


class RamdiskStream(Closing):
    """A readable view of one ramdisk section's uncompressed bytes."""

    def __init__(self, source: FileRange, where: str) -> None:
        self._file = open(source.path, "rb")  # noqa: SIM115 - closed in close()
        self._file.seek(source.offset)
        self._left = source.size
        self._where = where
        self._buffer = b""
        self._inflater: zlib._Decompress | None = None
        self._plain: bool | None = None
        self._pending = b""

    def close(self) -> None:
        self._file.close()

    def _raw(self, size: int) -> bytes:
        data = self._file.read(min(size, self._left))
        self._left -= len(data)
        return data

    def _fill(self) -> bool:
        """Add decompressed bytes to the buffer; False at the end of the section."""
        if self._plain is None:
            head = self._raw(2)
            self._plain = head != GZIP_MAGIC
            self._pending = head
        data = self._pending + self._raw(_CHUNK)
        self._pending = b""
        if not data:
            return False
        if self._plain:
            self._buffer += data
            return True
        while data:
            if self._inflater is None:
                stripped = data.lstrip(b"\0")
                if not stripped:
                    return True
                if not stripped.startswith(GZIP_MAGIC[:1]):
                    raise EifError(
                        "bytes after a gzip member are neither zero nor gzip", where=self._where
                    )
                data = stripped
                self._inflater = zlib.decompressobj(wbits=31)
            try:
                self._buffer += self._inflater.decompress(data)
            except zlib.error as error:
                raise EifError(
                    f"ramdisk gzip data is corrupt ({error})", where=self._where
                ) from error
            if self._inflater.eof:
                data = self._inflater.unused_data
                self._inflater = None
            else:
                data = b""
        return True

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = 1 << 62
        while len(self._buffer) < size and self._fill():
            pass
        if not self._buffer and self._inflater is not None:
            raise EifError("ramdisk gzip stream is truncated", where=self._where)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


def read_ramdisk(source: FileRange, where: str) -> tuple[RamdiskStream, CpioReader]:
    """Open a ramdisk section for member-by-member reading (close the stream when done)."""
    stream = RamdiskStream(source, where)
    return stream, CpioReader(stream, where)
