"""Streaming pieces against naive references: multi-chunk measuring, cpio and gzip ramdisks."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
from pathlib import Path

from eif_support import SYNTHETIC_METADATA
from hypothesis import given
from hypothesis import strategies as st

from core.eif.cpio import CpioEntry, CpioReader, write_archive
from core.eif.format import SectionType
from core.eif.measure import extend, pcr_of_file
from core.eif.ramdisk import read_ramdisk, write_ramdisk
from core.eif.reader import read_eif
from core.eif.writer import FileRange, Section, whole_file, write_eif


def test_multi_chunk_sections_measure_like_one_hash(tmp_path: Path) -> None:
    """Ramdisks larger than the 1 MiB chunk, fed through the two-lane accumulator."""
    first, second, third = os.urandom(1_500_000), os.urandom(2_600_000), os.urandom(1 << 20)
    files = []
    for number, data in enumerate((first, second, third)):
        files.append(tmp_path / f"r{number}")
        files[-1].write_bytes(data)
    image = tmp_path / "big.eif"
    kernel, cmdline = os.urandom(3000), b"console=ttyS0"
    written = write_eif(
        image,
        [
            Section(SectionType.KERNEL, kernel),
            Section(SectionType.CMDLINE, cmdline),
            Section(SectionType.METADATA, SYNTHETIC_METADATA),
            *(Section(SectionType.RAMDISK, whole_file(path)) for path in files),
        ],
    )

    def naive(data: bytes) -> str:
        return extend(hashlib.sha384(data).digest())

    info = read_eif(image)
    assert info.crc_ok and info.measurements == written
    assert written.pcr0 == naive(kernel + cmdline + first + second + third)
    assert written.pcr1 == naive(kernel + cmdline + first)
    assert written.pcr2 == naive(second + third)
    assert pcr_of_file(files[1]) == naive(second)


names = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters="/"),
    min_size=1,
    max_size=12,
)


@given(st.dictionaries(names, st.binary(max_size=300), max_size=8), st.integers(0, 2**31))
def test_cpio_round_trip(files: dict[str, bytes], mtime: int) -> None:
    entries = [CpioEntry.file(f"d/{name}", data, 0o640, mtime) for name, data in files.items()]
    entries.append(CpioEntry.directory("d", mtime=mtime))
    sink = io.BytesIO()
    write_archive(sink, entries)
    raw = sink.getvalue()
    assert len(raw) % 4 == 0 and raw.startswith(b"070701")
    reader = CpioReader(io.BytesIO(raw), "test")
    seen = {}
    for member in reader:
        seen[member.path] = (member.mode, member.mtime, member.uid, reader.read_all())
    assert list(seen) == sorted(seen, key=lambda path: path.encode())
    assert seen.pop("d") == (stat.S_IFDIR | 0o755, mtime, 0, b"")
    assert seen == {f"d/{n}": (stat.S_IFREG | 0o640, mtime, 0, d) for n, d in files.items()}


def test_gzip_ramdisk_is_deterministic_padded_and_readable(tmp_path: Path) -> None:
    entries = [CpioEntry.file("a", b"x" * 5000), CpioEntry.directory("dir")]
    size = write_ramdisk(tmp_path / "one", entries)
    write_ramdisk(tmp_path / "two", list(reversed(entries)))
    assert (tmp_path / "one").read_bytes() == (tmp_path / "two").read_bytes()
    assert size % 4 == 0 and (tmp_path / "one").read_bytes()[:2] == b"\x1f\x8b"
    stream, reader = read_ramdisk(FileRange(tmp_path / "one", 0, size), "test")
    with stream:
        assert [m.path for m in reader] == ["a", "dir"]


def test_concatenated_gzip_and_plain_archives(tmp_path: Path) -> None:
    """Like the kernel: several gzip members with zero padding, or plain cpio, are accepted."""
    parts = []
    for name in ("first", "second"):
        sink = io.BytesIO()
        write_archive(sink, [CpioEntry.file(name, name.encode())])
        parts.append(sink.getvalue())
    blob = gzip.compress(parts[0], mtime=0) + b"\0\0\0" + gzip.compress(parts[1], mtime=0)
    (tmp_path / "gz").write_bytes(blob)
    (tmp_path / "plain").write_bytes(parts[0] + b"\0" * 8 + parts[1])
    for name in ("gz", "plain"):
        path = tmp_path / name
        stream, reader = read_ramdisk(FileRange(path, 0, path.stat().st_size), name)
        with stream:
            assert [(m.path, reader.read_all()) for m in reader] == [
                ("first", b"first"),
                ("second", b"second"),
            ]
