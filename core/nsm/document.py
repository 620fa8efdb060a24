"""Attestation documents in the real NSM's byte layout (docs/attestation.md §8).

An untagged COSE_Sign1 `[bstr {1: -35}, {}, bstr payload, bstr r‖s]`; the payload is the nine
keys in `AttestationDoc`'s serde order with null for absent optional fields. The NSM has written
the top-level payload map as an indefinite-length map (`bf … ff`) since 2025/2026 and as a
definite one (`a9`) before; both are reproduced byte for byte by cbor2 (checked on the vectors).
"""

from __future__ import annotations

from collections.abc import Mapping

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

PROTECTED_ES384 = bytes(cbor2.dumps({1: -35}))  # a1 01 38 22
COORDINATE = 48  # bytes of r and of s for P-384


def encode_payload(
    *,
    module_id: str,
    timestamp_ms: int,
    pcrs: Mapping[int, bytes],
    certificate: bytes,
    cabundle: list[bytes],
    public_key: bytes | None,
    user_data: bytes | None,
    nonce: bytes | None,
    indefinite: bool = True,
) -> bytes:
    """The payload map's bytes, keys in the real order."""
    items: list[tuple[str, object]] = [
        ("module_id", module_id),
        ("digest", "SHA384"),
        ("timestamp", timestamp_ms),
        ("pcrs", dict(sorted(pcrs.items()))),
        ("certificate", certificate),
        ("cabundle", list(cabundle)),
        ("public_key", public_key),
        ("user_data", user_data),
        ("nonce", nonce),
    ]
    definite = bytes(cbor2.dumps(dict(items)))
    # A definite map of 9 starts with the single byte a9; the indefinite form is the same
    # key/value pairs between bf and the break byte ff.
    return b"\xbf" + definite[1:] + b"\xff" if indefinite else definite


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """RFC 8152 §4.4 `["Signature1", protected, h'', payload]`, what ES384 signs."""
    return bytes(cbor2.dumps(["Signature1", protected, b"", payload]))


def sign_document(payload: bytes, key: ec.EllipticCurvePrivateKey) -> bytes:
    """The untagged COSE_Sign1 bytes: ECDSA P-384/SHA-384 with a raw, fixed-width r‖s."""
    der = key.sign(sig_structure(PROTECTED_ES384, payload), ec.ECDSA(hashes.SHA384()))
    r, s = decode_dss_signature(der)
    signature = r.to_bytes(COORDINATE, "big") + s.to_bytes(COORDINATE, "big")
    return bytes(cbor2.dumps([PROTECTED_ES384, {}, payload, signature]))
