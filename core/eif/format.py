"""The EIF container layout: header and section-header structs, all big-endian (docs/eif.md §1).

Only packing and unpacking lives here; validation is in `reader`, measuring in `measure`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

MAGIC = b".eif"
CURRENT_VERSION = 4
HEADER_SIZE = 548
SECTION_HEADER_SIZE = 12
MAX_SECTIONS = 32
MIN_SECTIONS = 2
CRC_OFFSET = 0x220
DEFAULT_MEM = 1 << 30
DEFAULT_CPUS = 2
FLAG_ARCH_AARCH64 = 0x1
MAX_SIGNATURE_SIZE = 32768
MAX_METADATA_SIZE = 16 << 20

# magic, version, flags, default_mem, default_cpus, reserved, num_sections
_HEAD = struct.Struct(">4sHHQQHH")
_TABLE = struct.Struct(f">{MAX_SECTIONS}Q")
_TAIL = struct.Struct(">II")
_SECTION = struct.Struct(">HHQ")
OFFSETS_AT = _HEAD.size  # 0x1C
SIZES_AT = OFFSETS_AT + _TABLE.size  # 0x11C
UNUSED_AT = SIZES_AT + _TABLE.size  # 0x21C


class SectionType(IntEnum):
    """Section kinds; 0 and anything above 5 are invalid."""

    KERNEL = 1
    CMDLINE = 2
    RAMDISK = 3
    SIGNATURE = 4
    METADATA = 5


@dataclass(frozen=True)
class EifHeader:
    """The 548-byte file header."""

    version: int
    flags: int
    num_sections: int
    section_offsets: tuple[int, ...]
    section_sizes: tuple[int, ...]
    crc32: int
    magic: bytes = MAGIC
    default_mem: int = DEFAULT_MEM
    default_cpus: int = DEFAULT_CPUS
    reserved: int = 0
    unused: int = 0

    @classmethod
    def unpack(cls, raw: bytes) -> EifHeader:
        """Parse exactly `HEADER_SIZE` bytes (the caller checks the length)."""
        magic, version, flags, mem, cpus, reserved, num = _HEAD.unpack_from(raw, 0)
        offsets = _TABLE.unpack_from(raw, OFFSETS_AT)
        sizes = _TABLE.unpack_from(raw, SIZES_AT)
        unused, crc = _TAIL.unpack_from(raw, UNUSED_AT)
        return cls(
            version=version,
            flags=flags,
            num_sections=num,
            section_offsets=offsets,
            section_sizes=sizes,
            crc32=crc,
            magic=magic,
            default_mem=mem,
            default_cpus=cpus,
            reserved=reserved,
            unused=unused,
        )

    def pack(self) -> bytes:
        """The header bytes; offsets/sizes tables are padded with zeros to 32 entries."""
        pad = (0,) * (MAX_SECTIONS - len(self.section_offsets))
        pad_sizes = (0,) * (MAX_SECTIONS - len(self.section_sizes))
        return b"".join(
            (
                _HEAD.pack(
                    self.magic,
                    self.version,
                    self.flags,
                    self.default_mem,
                    self.default_cpus,
                    self.reserved,
                    self.num_sections,
                ),
                _TABLE.pack(*self.section_offsets, *pad),
                _TABLE.pack(*self.section_sizes, *pad_sizes),
                _TAIL.pack(self.unused, self.crc32),
            )
        )


def pack_section_header(section_type: int, size: int) -> bytes:
    """A 12-byte section header (flags always 0)."""
    return _SECTION.pack(section_type, 0, size)


def unpack_section_header(raw: bytes) -> tuple[int, int, int]:
    """(type, flags, data size) from 12 bytes."""
    section_type, flags, size = _SECTION.unpack(raw)
    return section_type, flags, size
