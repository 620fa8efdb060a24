"""Write an EIF from section sources, streaming, with a consistent table and CRC.

Sections are packed back to back (so nitro-cli's sequential walk and QEMU's offsets table see
the same thing), the CRC is computed while writing, and the file appears atomically: it is
written next to the target and renamed, so signing in place never reads a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core.eif.errors import EifError
from core.eif.format import (
    CRC_OFFSET,
    CURRENT_VERSION,
    HEADER_SIZE,
    MAX_SECTIONS,
    MIN_SECTIONS,
    SECTION_HEADER_SIZE,
    EifHeader,
    SectionType,
    pack_section_header,
)
from core.eif.measure import CHUNK, Measurements, PcrAccumulator


@dataclass(frozen=True)
class FileRange:
    """`size` bytes of `path` starting at `offset` (a section taken from a file, unread)."""

    path: Path
    offset: int
    size: int


@dataclass(frozen=True)
class Section:
    """One section to write: its type and its data (bytes in memory, or a file range)."""

    type: SectionType
    data: bytes | FileRange

    @property
    def size(self) -> int:
        return len(self.data) if isinstance(self.data, bytes) else self.data.size


def whole_file(path: Path) -> FileRange:
    return FileRange(path, 0, path.stat().st_size)


def iter_range(source: FileRange) -> Iterator[bytes]:
    """The bytes of `source` in chunks of at most 1 MiB; an `EifError` if the file is short."""
    with open(source.path, "rb") as stream:
        stream.seek(source.offset)
        remaining = source.size
        while remaining:
            chunk = stream.read(min(CHUNK, remaining))
            if not chunk:
                raise EifError(
                    f"{source.path} ended (or shrank) {remaining} bytes early",
                    offset=source.offset + source.size - remaining,
                )
            yield chunk
            remaining -= len(chunk)


def _copy_range(source: FileRange, sink: BinaryIO, accumulator: PcrAccumulator) -> None:
    for chunk in iter_range(source):
        accumulator.update(chunk)
        sink.write(chunk)


def _write_all(
    sink: BinaryIO, sections: Sequence[Section], flags: int, version: int
) -> tuple[Measurements, int]:
    offsets, position = [], HEADER_SIZE
    for section in sections:
        offsets.append(position)
        position += SECTION_HEADER_SIZE + section.size
    header = EifHeader(
        version=version,
        flags=flags,
        num_sections=len(sections),
        section_offsets=tuple(offsets),
        section_sizes=tuple(section.size for section in sections),
        crc32=0,
    ).pack()
    accumulator = PcrAccumulator(crc=True)
    try:
        sink.write(header)
        accumulator.unmeasured(header[:CRC_OFFSET])
        for section in sections:
            head = pack_section_header(section.type, section.size)
            sink.write(head)
            accumulator.unmeasured(head)
            accumulator.begin(section.type)
            if isinstance(section.data, bytes):
                accumulator.update(section.data)
                sink.write(section.data)
            else:
                _copy_range(section.data, sink, accumulator)
            accumulator.end()
        return accumulator.finish()
    except BaseException:
        accumulator.abandon()
        raise


def write_eif(
    output: Path,
    sections: Sequence[Section],
    *,
    flags: int = 0,
    version: int = CURRENT_VERSION,
) -> Measurements:
    """Write `sections` as an EIF at `output`; return PCR0/1/2 of what was written."""
    if not MIN_SECTIONS <= len(sections) <= MAX_SECTIONS:
        raise EifError(f"an EIF holds {MIN_SECTIONS}..{MAX_SECTIONS} sections, not {len(sections)}")
    output = Path(output)
    directory = output.parent if str(output.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=directory)
    except OSError as error:
        raise EifError(
            f"cannot write in {directory}: {error.strerror}", fix="choose a writable output path"
        ) from error
    try:
        with os.fdopen(handle, "w+b") as sink:
            measurements, crc = _write_all(sink, sections, flags, version)
            sink.seek(CRC_OFFSET)
            sink.write(crc.to_bytes(4, "big"))
        os.chmod(temporary, 0o644)
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return measurements
