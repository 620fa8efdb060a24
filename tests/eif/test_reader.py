"""The validator: each structural defect is an EifError naming its offset; fuzzed images only
ever raise EifError (never a traceback) from reading, describing or unpacking."""

from __future__ import annotations

import struct
import tempfile
from pathlib import Path

import pytest
from eif_support import SYNTHETIC_METADATA, SYNTHETIC_SECTIONS
from hypothesis import given
from hypothesis import strategies as st

from core.eif import EifError, describe_json, extract_ramdisks, read_eif, validate_eif
from core.eif.format import SectionType
from core.eif.writer import Section, write_eif


def corrupt(path: Path, offset: int, data: bytes) -> Path:
    raw = bytearray(path.read_bytes())
    raw[offset : offset + len(data)] = data
    out = path.with_name("corrupt.eif")
    out.write_bytes(bytes(raw))
    return out


def error_of(path: Path) -> EifError:
    with pytest.raises(EifError) as caught:
        read_eif(path)
    return caught.value


def test_bad_magic(synthetic: Path) -> None:
    error = error_of(corrupt(synthetic, 0, b"ELF\x7f"))
    assert error.offset == 0 and "magic" in error.what


def test_truncated_header(synthetic: Path) -> None:
    short = synthetic.with_name("short.eif")
    short.write_bytes(synthetic.read_bytes()[:100])
    error = error_of(short)
    assert error.offset == 100 and "548-byte EIF header" in error.what


def test_truncated_section(synthetic: Path) -> None:
    short = synthetic.with_name("short.eif")
    short.write_bytes(synthetic.read_bytes()[:890])
    error = error_of(short)
    assert "file ends at 890" in error.what and error.offset == 870 + 4


def test_invalid_section_type(synthetic: Path) -> None:
    error = error_of(corrupt(synthetic, 548, struct.pack(">H", 9)))
    assert error.offset == 548 and "type 9" in error.what


def test_offsets_table_disagrees_with_walk(synthetic: Path) -> None:
    error = error_of(corrupt(synthetic, 0x1C + 8, struct.pack(">Q", 570)))
    assert error.offset == 0x1C + 8 and "sequential walk" in error.what


def test_size_table_disagrees_with_section_header(synthetic: Path) -> None:
    error = error_of(corrupt(synthetic, 0x11C, struct.pack(">Q", 7)))
    assert error.offset == 0x11C and "section_sizes[0]" in error.what


def test_trailing_bytes(synthetic: Path) -> None:
    longer = synthetic.with_name("long.eif")
    longer.write_bytes(synthetic.read_bytes() + b"junk")
    error = error_of(longer)
    assert error.offset == 898 and "4 bytes follow" in error.what


def test_metadata_json_error_points_into_the_section(synthetic: Path) -> None:
    error = error_of(corrupt(synthetic, 603, b"["))  # metadata data starts at 603
    assert error.offset is not None and error.offset >= 603 and "JSON" in error.what


def test_crc_mismatch_is_reported_not_raised(synthetic: Path) -> None:
    tampered = corrupt(synthetic, 560, b"K")  # inside the kernel data
    info = read_eif(tampered)
    assert not info.crc_ok and info.stored_crc == 0x8633376C
    with pytest.raises(EifError, match="CRC-32 mismatch"):
        validate_eif(tampered)


def test_ramdisk_before_kernel_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "order.eif"
    write_eif(path, [SYNTHETIC_SECTIONS[3], *SYNTHETIC_SECTIONS[:3]])
    assert "before the kernel" in error_of(path).what


def test_version_4_needs_metadata(tmp_path: Path) -> None:
    path = tmp_path / "nometa.eif"
    write_eif(path, [s for s in SYNTHETIC_SECTIONS if s.type is not SectionType.METADATA])
    assert "requires a metadata section" in error_of(path).what


def test_duplicate_kernel_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "twice.eif"
    write_eif(path, [SYNTHETIC_SECTIONS[0], *SYNTHETIC_SECTIONS])
    assert "second kernel" in error_of(path).what


def test_missing_file_is_an_eif_error(tmp_path: Path) -> None:
    assert "cannot open" in error_of(tmp_path / "absent.eif").what


def test_cmdline_after_first_ramdisk_still_measures_per_spec(tmp_path: Path) -> None:
    """PCR1 = kernel‖cmdline‖ramdisk0 in file order, even when cmdline comes late."""
    from core.eif.measure import pcr_of_bytes

    path = tmp_path / "late.eif"
    write_eif(
        path,
        [
            Section(SectionType.KERNEL, b"K"),
            Section(SectionType.METADATA, SYNTHETIC_METADATA),
            Section(SectionType.RAMDISK, b"R0"),
            Section(SectionType.CMDLINE, b"C"),
            Section(SectionType.RAMDISK, b"R1"),
        ],
    )
    measured = read_eif(path).measurements
    assert measured.pcr1 == pcr_of_bytes(b"KR0C")
    assert measured.pcr0 == pcr_of_bytes(b"KR0CR1")
    assert measured.pcr2 == pcr_of_bytes(b"R1")


@pytest.fixture(scope="module")
def signed_image(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real built-and-signed image (gzip cpio ramdisks, CBOR signature) to fuzz."""
    from datetime import UTC, datetime, timedelta

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from pem_pairs import write_self_signed

    from core.eif import build_eif, sign_eif

    base = tmp_path_factory.mktemp("fuzz")
    (base / "root" / "app").mkdir(parents=True)
    (base / "root" / "app" / "main.py").write_text("print('hi')\n")
    (base / "root" / "link").symlink_to("app/main.py")
    _, output = build_eif(output=base / "x.eif", rootfs=base / "root", cmd=["/app/main.py"])
    cert, key = write_self_signed(
        base,
        ec.generate_private_key(ec.SECP256R1()),
        name="fuzz",
        valid_until=datetime.now(UTC) + timedelta(days=1),
        digest=hashes.SHA256(),
    )
    sign_eif(output, cert, key)
    return output.read_bytes()


def exercise(data: bytes) -> None:
    """Read, describe and unpack `data`; anything but EifError fails the test."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "fuzzed.eif"
        path.write_bytes(data)
        try:
            info = read_eif(path)
            describe_json(info)
            extract_ramdisks(path, Path(scratch) / "out")
        except EifError:
            pass


@given(st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=8))
def test_random_corruption_only_raises_eif_error(
    signed_image: bytes, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(signed_image)
    for position, value in flips:
        data[position % len(data)] = value
    exercise(bytes(data))


@given(st.integers(min_value=0))
def test_random_truncation_only_raises_eif_error(signed_image: bytes, cut: int) -> None:
    exercise(signed_image[: cut % len(signed_image)])


@given(st.integers(0, 2000), st.binary(min_size=1, max_size=64))
def test_random_overwrites_near_the_front_only_raise_eif_error(
    signed_image: bytes, at: int, junk: bytes
) -> None:
    data = bytearray(signed_image)
    data[at : at + len(junk)] = junk
    exercise(bytes(data))
