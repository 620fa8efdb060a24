"""cbor2's fast decoding, trusted only when it provably saw the input the way the strict decoder
would.

If re-encoding cbor2's result reproduces the input byte for byte, the input is the one
encoding of that value: it cannot hide a duplicate key (cbor2 would have dropped one and the
re-encoding would be shorter), trailing bytes, or an odd encoding. Anything else returns None
and the caller falls back to `core.attestation.cbor`, which also words the error. Every real
attestation document takes this path; the signature still covers the received bytes only.
"""

from __future__ import annotations

from typing import Any

import cbor2

_BIGNUM = 2**64


def exact_loads(data: bytes) -> Any | None:
    """cbor2's value for `data`, or None unless it re-encodes to exactly `data`."""
    try:
        value = cbor2.loads(data)
        again = cbor2.dumps(value)
    except Exception:  # cbor2 reports hostile input in many ways; the strict path decides
        return None
    return value if again == data else None


def exact_map(data: bytes) -> dict[Any, Any] | None:
    """Like `exact_loads` for a map, accepting the NSM's indefinite-length form (bf … ff) too."""
    if data[:1] != b"\xbf":
        value = exact_loads(data)
        return value if type(value) is dict else None
    try:
        value = cbor2.loads(data)
        if type(value) is not dict:
            return None
        pairs = b"".join(cbor2.dumps(key) + cbor2.dumps(item) for key, item in value.items())
    except Exception:  # as above
        return None
    return value if b"\xbf" + pairs + b"\xff" == data else None


def small_int(value: object) -> bool:
    """An int that cbor2 did not decode from a bignum tag (those re-encode identically)."""
    return type(value) is int and -_BIGNUM <= value < _BIGNUM
