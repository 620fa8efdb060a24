"""The strict CBOR decoder: agrees with cbor2 on valid data, rejects what cbor2 lets through."""

from __future__ import annotations

import math
import re
from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.attestation.cbor import (
    MAX_DEPTH,
    CborError,
    CborMap,
    Simple,
    Tagged,
    Undefined,
    decode_prefix,
    decode_strict,
    encode_head,
)


def plain(value: object) -> Any:
    """Decoded value in cbor2's shapes (dicts, tuples for tags) for comparison."""
    if isinstance(value, CborMap):
        return {plain(k): plain(v) for k, v in value.pairs}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, Tagged):
        return (value.tag, plain(value.value))
    return value


scalars = (
    st.integers(min_value=-(2**64), max_value=2**64 - 1)
    | st.binary(max_size=40)
    | st.text(max_size=20)
    | st.booleans()
    | st.none()
    | st.floats(allow_nan=False)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


@given(values)
def test_agrees_with_cbor2_on_valid_data(value: Any) -> None:
    encoded = cbor2.dumps(value)
    assert plain(decode_strict(encoded)) == value


@given(values)
def test_agrees_with_cbor2_on_indefinite_containers(value: Any) -> None:
    items = [value, {"k": value}]
    encoded = b"\x9f" + b"".join(cbor2.dumps(item) for item in items) + b"\xff"
    assert plain(decode_strict(encoded)) == items


@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_or_raise_cbor_error(data: bytes) -> None:
    try:
        decode_strict(data)
    except CborError as error:
        assert 0 <= error.offset <= len(data)


def test_distinct_cbor_keys_that_python_would_merge_are_kept() -> None:
    # {1: "a", 1.0: "b", true: "c"}: three different CBOR keys
    decoded = decode_strict(bytes.fromhex("a3016161f93c006162f56163"))
    assert isinstance(decoded, CborMap)
    assert [v for _, v in decoded.pairs] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("hex_data", "message"),
    [
        ("a2616101616102", "duplicate map key 'a'"),
        ("bf616101616102ff", "duplicate map key 'a'"),
        ("a2820102f6820102f6", "duplicate map key [1, 2]"),
        ("1c", "reserved additional information 28"),
        ("62c328", "not valid UTF-8"),
        ("ff", "unexpected break"),
        ("820001ff", "trailing bytes"),
        ("5a00000010", "truncated"),
        ("f810", "simple value 16 in two-byte form"),
        ("1f", "cannot have indefinite length"),
        ("5f4101610200ff", "bad chunk"),
        ("a201", "truncated"),
        ("a1ff00", "unexpected break"),
    ],
)
def test_malformed_cbor_is_rejected(hex_data: str, message: str) -> None:
    with pytest.raises(CborError, match=re.escape(message)):
        decode_strict(bytes.fromhex(hex_data))


def test_nesting_is_bounded() -> None:
    assert decode_strict(b"\x81" * MAX_DEPTH + b"\x00")
    with pytest.raises(CborError, match="nesting deeper"):
        decode_strict(b"\x81" * (MAX_DEPTH + 1) + b"\x00")


def test_special_values() -> None:
    decoded = decode_strict(bytes.fromhex("86f4f5f6f7f820f97e00"))
    assert isinstance(decoded, list)
    assert decoded[:5] == [False, True, None, Undefined(), Simple(32)]
    assert isinstance(decoded[5], float) and math.isnan(decoded[5])
    assert decode_strict(bytes.fromhex("5f42010243030405ff")) == bytes(range(1, 6))
    assert decode_strict(bytes.fromhex("d2820102")) == Tagged(18, [1, 2])


def test_prefix_reports_where_the_item_ends() -> None:
    assert decode_prefix(bytes.fromhex("0102")) == (1, 1)


@pytest.mark.parametrize("argument", [0, 23, 24, 255, 256, 65535, 65536, 2**32, 2**64 - 1])
def test_encode_head_is_shortest_and_decodes_back(argument: int) -> None:
    head = encode_head(0, argument)
    assert head == cbor2.dumps(argument)
    assert decode_strict(head) == argument
