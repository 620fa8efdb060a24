"""CRC-32 joined from pieces equals zlib's CRC of the whole (any split, any lengths)."""

from __future__ import annotations

import zlib

from hypothesis import given
from hypothesis import strategies as st

from core.eif.crc import combine, join


@given(st.binary(max_size=300), st.binary(max_size=300))
def test_combine_matches_zlib(a: bytes, b: bytes) -> None:
    assert combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


@given(st.lists(st.binary(max_size=64), max_size=12))
def test_join_in_any_order(parts: list[bytes]) -> None:
    pieces = [(i, zlib.crc32(p), len(p)) for i, p in enumerate(parts)]
    assert join(list(reversed(pieces))) == zlib.crc32(b"".join(parts))


def test_megabyte_pieces() -> None:
    chunks = [bytes([i]) * (1 << 20) for i in range(3)] + [b"tail"]
    pieces = [(i, zlib.crc32(c), len(c)) for i, c in enumerate(chunks)]
    assert join(pieces) == zlib.crc32(b"".join(chunks))
