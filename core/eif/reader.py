"""Read and validate an EIF in one streaming pass: layout, CRC, metadata, signature, PCRs.

nitro-cli walks sections sequentially from byte 548; QEMU seeks with the offsets table. Both
must agree, so the walk checks every table entry against the position it actually reached.
Every defect is an `EifError` naming the byte offset and what was expected there.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from core.eif.errors import EifError, EifFileError
from core.eif.format import (
    CRC_OFFSET,
    CURRENT_VERSION,
    FLAG_ARCH_AARCH64,
    HEADER_SIZE,
    MAGIC,
    MAX_METADATA_SIZE,
    MAX_SECTIONS,
    MAX_SIGNATURE_SIZE,
    MIN_SECTIONS,
    OFFSETS_AT,
    SECTION_HEADER_SIZE,
    SIZES_AT,
    EifHeader,
    SectionType,
    unpack_section_header,
)
from core.eif.measure import Measurements, PcrAccumulator, certificate_der, pcr_of_bytes

if TYPE_CHECKING:  # x509 and COSE load only for signed images (describe starts hashing sooner)
    from cryptography import x509

    from core.eif.signature import SignatureSection

MAX_CMDLINE_SIZE = 1 << 20
_IN_MEMORY = {SectionType.CMDLINE, SectionType.METADATA, SectionType.SIGNATURE}
_LIMITS = {
    SectionType.CMDLINE: MAX_CMDLINE_SIZE,
    SectionType.METADATA: MAX_METADATA_SIZE,
    SectionType.SIGNATURE: MAX_SIGNATURE_SIZE,
}


@dataclass(frozen=True)
class SectionInfo:
    """Where one section sits: its header offset, data offset and data size."""

    index: int
    type: SectionType
    header_offset: int
    data_offset: int
    size: int
    ramdisk_index: int | None = None

    @property
    def name(self) -> str:
        if self.type is SectionType.RAMDISK:
            return f"ramdisk {self.ramdisk_index}"
        return self.type.name.lower()


@dataclass(frozen=True)
class EifInfo:
    """Everything `read_eif` learnt about an image."""

    path: Path
    size: int
    version: int
    flags: int
    sections: list[SectionInfo]
    measurements: Measurements
    metadata: dict[str, Any]
    cmdline: str
    stored_crc: int
    computed_crc: int | None
    signature: SignatureSection | None = None
    signature_ok: bool | None = None

    @property
    def arch(self) -> str:
        return "aarch64" if self.flags & FLAG_ARCH_AARCH64 else "x86_64"

    @property
    def crc_ok(self) -> bool:
        return self.computed_crc == self.stored_crc

    @property
    def is_signed(self) -> bool:
        return self.signature is not None

    @property
    def signing_certificate(self) -> x509.Certificate | None:
        return self.signature.certificate if self.signature else None

    def ramdisks(self) -> list[SectionInfo]:
        return [section for section in self.sections if section.type is SectionType.RAMDISK]


def _read_exact(stream: BinaryIO, size: int, offset: int, what: str, path: Path) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EifError(
            f"file ends inside the {what}: expected {size} bytes, found {len(data)}",
            offset=offset + len(data),
            path=path,
            fix="the image is truncated; copy or rebuild it",
        )
    return data


def _check_header(header: EifHeader, path: Path) -> None:
    if header.magic != MAGIC:
        raise EifError(
            f"magic is {header.magic!r}, expected b'.eif' (2e 65 69 66)",
            offset=0,
            path=path,
            fix="this is not an enclave image file",
        )
    if not 1 <= header.version <= CURRENT_VERSION:
        raise EifError(
            f"EIF version {header.version}, expected 1..{CURRENT_VERSION}", offset=4, path=path
        )
    if header.flags & ~FLAG_ARCH_AARCH64:
        raise EifError(
            f"header flags 0x{header.flags:04x} set undefined bits (only bit 0, the "
            "architecture, exists)",
            offset=6,
            path=path,
        )
    if not MIN_SECTIONS <= header.num_sections <= MAX_SECTIONS:
        raise EifError(
            f"num_sections is {header.num_sections}, expected {MIN_SECTIONS}..{MAX_SECTIONS}",
            offset=0x1A,
            path=path,
        )
    for index in range(header.num_sections, MAX_SECTIONS):
        if header.section_offsets[index] or header.section_sizes[index]:
            table = OFFSETS_AT if header.section_offsets[index] else SIZES_AT
            raise EifError(
                f"section table entry {index} is not zero although num_sections is "
                f"{header.num_sections}",
                offset=table + 8 * index,
                path=path,
            )


class _Walk:
    """State of the sequential walk: which section kinds were seen so far."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sections: list[SectionInfo] = []
        self.blobs: dict[SectionType, tuple[int, bytes]] = {}
        self.ramdisks = 0

    def add(self, index: int, kind: int, at: int, size: int) -> SectionInfo:
        try:
            section_type = SectionType(kind)
        except ValueError:
            raise EifError(
                f"section {index} has type {kind}, expected 1..5 (kernel, cmdline, ramdisk, "
                "signature, metadata)",
                offset=at,
                path=self.path,
            ) from None
        seen = {section.type for section in self.sections}
        if section_type is not SectionType.RAMDISK and section_type in seen:
            raise EifError(
                f"a second {section_type.name.lower()} section (section {index})",
                offset=at,
                path=self.path,
            )
        if section_type is SectionType.RAMDISK and SectionType.KERNEL not in seen:
            raise EifError(
                f"ramdisk section {index} comes before the kernel section; ramdisks must "
                "follow the kernel",
                offset=at,
                path=self.path,
            )
        limit = _LIMITS.get(section_type)
        if limit is not None and size > limit:
            raise EifError(
                f"{section_type.name.lower()} section is {size} bytes, at most {limit} allowed",
                offset=at + 4,
                path=self.path,
            )
        ramdisk = None
        if section_type is SectionType.RAMDISK:
            ramdisk, self.ramdisks = self.ramdisks, self.ramdisks + 1
        info = SectionInfo(index, section_type, at, at + SECTION_HEADER_SIZE, size, ramdisk)
        self.sections.append(info)
        return info

    def finish(self, header: EifHeader) -> None:
        seen = {section.type for section in self.sections}
        for needed in (SectionType.KERNEL, SectionType.CMDLINE, SectionType.RAMDISK):
            if needed not in seen:
                raise EifError(
                    f"the image has no {needed.name.lower()} section", offset=0x1A, path=self.path
                )
        if header.version >= 4 and SectionType.METADATA not in seen:
            raise EifError(
                f"EIF version {header.version} requires a metadata section; none found",
                offset=4,
                path=self.path,
            )


def _parse_metadata(walk: _Walk) -> dict[str, Any]:
    if SectionType.METADATA not in walk.blobs:
        return {}
    at, raw = walk.blobs[SectionType.METADATA]
    try:
        metadata = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise EifError(
            f"metadata is not UTF-8 ({error.reason})", offset=at + error.start, path=walk.path
        ) from error
    except json.JSONDecodeError as error:
        raise EifError(
            f"metadata is not valid JSON: {error.msg}", offset=at + error.pos, path=walk.path
        ) from error
    if not isinstance(metadata, dict):
        raise EifError("metadata must be a JSON object", offset=at, path=walk.path)
    for key, kind in (("ImageName", str), ("ImageVersion", str), ("BuildMetadata", dict)):
        if not isinstance(metadata.get(key), kind):
            raise EifError(
                f"metadata key {key!r} is missing or not a {kind.__name__}",
                offset=at,
                path=walk.path,
            )
    return metadata


def _scan(path: Path, *, check_crc: bool) -> EifInfo:
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as error:
        raise EifFileError(
            f"cannot open the image: {error.strerror}",
            path=path,
            fix="check the path: the .eif file must exist and be readable",
        ) from error
    accumulator = PcrAccumulator(crc=check_crc)
    try:
        with stream:
            size = os.fstat(stream.fileno()).st_size
            raw = _read_exact(stream, HEADER_SIZE, 0, "548-byte EIF header", path)
            header = EifHeader.unpack(raw)
            _check_header(header, path)
            accumulator.unmeasured(raw[:CRC_OFFSET])
            walk = _walk_sections(stream, header, size, accumulator, path)
            measurements, crc = accumulator.finish()
    except BaseException:
        accumulator.abandon()
        raise
    signature, signature_ok = None, None
    if SectionType.SIGNATURE in walk.blobs:
        from core.eif.signature import decode_section, verify

        at, blob = walk.blobs[SectionType.SIGNATURE]
        signature = decode_section(blob, at)
        pcr8 = pcr_of_bytes(certificate_der(signature.certificate_pem, source=path))
        measurements = Measurements(measurements.pcr0, measurements.pcr1, measurements.pcr2, pcr8)
        signature_ok = verify(signature, measurements.pcr0)
    _, cmdline = walk.blobs[SectionType.CMDLINE]
    return EifInfo(
        path=path,
        size=size,
        version=header.version,
        flags=header.flags,
        sections=walk.sections,
        measurements=measurements,
        metadata=_parse_metadata(walk),
        cmdline=cmdline.decode("utf-8", errors="replace"),
        stored_crc=header.crc32,
        computed_crc=crc if check_crc else None,
        signature=signature,
        signature_ok=signature_ok,
    )


def _walk_sections(
    stream: BinaryIO, header: EifHeader, size: int, accumulator: PcrAccumulator | None, path: Path
) -> _Walk:
    """Walk and check every section; with no accumulator, skip the data (layout only)."""
    walk = _Walk(path)
    position = HEADER_SIZE
    for index in range(header.num_sections):
        if header.section_offsets[index] != position:
            raise EifError(
                f"section_offsets[{index}] is {header.section_offsets[index]}, but the "
                f"sequential walk reaches section {index} at {position}",
                offset=OFFSETS_AT + 8 * index,
                path=path,
                fix="sections must be packed back to back in table order",
            )
        raw = _read_exact(stream, SECTION_HEADER_SIZE, position, f"section {index} header", path)
        kind, _flags, length = unpack_section_header(raw)
        if header.section_sizes[index] != length:
            raise EifError(
                f"section_sizes[{index}] is {header.section_sizes[index]}, but section {index}'s "
                f"header says {length}",
                offset=SIZES_AT + 8 * index,
                path=path,
            )
        data_at = position + SECTION_HEADER_SIZE
        if data_at + length > size:
            raise EifError(
                f"section {index} needs {length} bytes from {data_at}, but the file ends at {size}",
                offset=position + 4,
                path=path,
                fix="the image is truncated; copy or rebuild it",
            )
        info = walk.add(index, kind, position, length)
        position = data_at + length
        if accumulator is None:
            stream.seek(length, os.SEEK_CUR)
            continue
        accumulator.unmeasured(raw)
        if info.type in _IN_MEMORY:
            blob = _read_exact(stream, length, data_at, f"{info.name} section", path)
            accumulator.begin(info.type)
            accumulator.update(blob)
            accumulator.end()
            walk.blobs[info.type] = (data_at, blob)
        else:
            accumulator.feed(info.type, stream, length)
    if position != size:
        raise EifError(
            f"{size - position} bytes follow the last section (the sections end at {position})",
            offset=position,
            path=path,
            fix="num_sections or the section table is wrong, or data was appended",
        )
    walk.finish(header)
    return walk


def read_eif(path: Path) -> EifInfo:
    """Validate the whole image (structure, CRC, metadata, signature) and measure it.

    A CRC mismatch or a failed signature is reported in `crc_ok` / `signature_ok` (as
    nitro-cli's describe-eif does), not raised; use `validate_eif` to require both.
    """
    return _scan(Path(path), check_crc=True)


def validate_eif(path: Path) -> EifInfo:
    """`read_eif`, and an `EifError` unless the CRC matches and any signature verifies."""
    info = read_eif(path)
    if not info.crc_ok:
        raise EifError(
            f"CRC-32 mismatch: header says 0x{info.stored_crc:08x}, the bytes give "
            f"0x{info.computed_crc or 0:08x}",
            offset=CRC_OFFSET,
            path=path,
            fix="the image was modified or damaged after it was written; rebuild it",
        )
    if info.signature_ok is False:
        raise EifError(
            "the signature does not verify against this image's PCR0",
            path=path,
            fix="re-sign the image with `nitrodeck eif sign`",
        )
    return info


def read_layout(path: Path) -> list[SectionInfo]:
    """Check the header and section structure without reading section data (cheap for any
    size); for unpacking, where the CRC and PCRs are not needed."""
    path = Path(path)
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            header = EifHeader.unpack(
                _read_exact(stream, HEADER_SIZE, 0, "548-byte EIF header", path)
            )
            _check_header(header, path)
            return _walk_sections(stream, header, size, None, path).sections
    except OSError as error:
        raise EifError(f"cannot read the image: {error.strerror}", path=path) from error


def measure_eif(path: Path) -> Measurements:
    """PCR0/1/2 (and PCR8 when signed) in one streamed pass; the CRC is not checked."""
    return _scan(Path(path), check_crc=False).measurements
