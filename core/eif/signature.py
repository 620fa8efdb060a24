"""The EIF signature section: a CBOR array of {signing_certificate, signature} whose byte fields
are CBOR arrays of uints (serde_cbor's `Vec<u8>`), holding an untagged COSE_Sign1 over
CBOR({"register_index": 0, "register_value": PCR0}) (docs/eif.md §4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from core.eif.errors import EifError

COSE_SIGN1_TAG = 18
# COSE alg id -> (hash, width of r and s, curve name)
ALGORITHMS: dict[int, tuple[type[hashes.HashAlgorithm], int, str]] = {
    -7: (hashes.SHA256, 32, "secp256r1"),
    -35: (hashes.SHA384, 48, "secp384r1"),
    -36: (hashes.SHA512, 66, "secp521r1"),
}
ALGORITHM_NAMES = {-7: "ES256", -35: "ES384", -36: "ES512"}
_ALG_OF_CURVE = {curve: alg for alg, (_, _, curve) in ALGORITHMS.items()}


def pcr_payload(pcr0_hex: str, index: int = 0) -> bytes:
    """serde_cbor of PcrInfo: the bytes the COSE signature covers."""
    value = list(bytes.fromhex(pcr0_hex))
    return bytes(cbor2.dumps({"register_index": index, "register_value": value}))


@dataclass(frozen=True)
class CoseSign1:
    """A decoded COSE_Sign1 (protected header bytes are kept as received)."""

    protected: bytes
    algorithm: int
    payload: bytes
    signature: bytes
    tagged: bool

    def to_be_signed(self) -> bytes:
        return bytes(cbor2.dumps(["Signature1", self.protected, b"", self.payload]))


@dataclass(frozen=True)
class SignatureSection:
    """The first (and only used) entry of the signature section."""

    certificate_pem: bytes
    certificate: x509.Certificate
    cose: CoseSign1
    entries: int


def _uint_array(value: Any, field: str, offset: int) -> bytes:
    if isinstance(value, bytes):  # lenient: a bstr where serde_cbor writes an array
        return value
    if not isinstance(value, list) or not all(
        isinstance(item, int) and 0 <= item <= 255 for item in value
    ):
        raise EifError(
            f"signature section field {field!r} must be a CBOR array of byte values (0..255)",
            offset=offset,
        )
    return bytes(value)


def decode_cose_sign1(raw: bytes, offset: int) -> CoseSign1:
    """Parse an untagged (or tag-18) COSE_Sign1 with an ECDSA algorithm."""
    try:
        item = cbor2.loads(raw)
    except Exception as error:
        raise EifError(f"the COSE_Sign1 is not valid CBOR ({error})", offset=offset) from error
    tagged = isinstance(item, cbor2.CBORTag)
    if tagged:
        if item.tag != COSE_SIGN1_TAG:
            raise EifError(f"COSE tag {item.tag}, expected none or 18", offset=offset)
        item = item.value
    if not isinstance(item, list | tuple) or len(item) != 4:  # tagged content decodes as tuple
        raise EifError("COSE_Sign1 must be an array of 4 items", offset=offset)
    protected, unprotected, payload, signature = item
    if not all(isinstance(part, bytes) for part in (protected, payload, signature)):
        raise EifError("COSE_Sign1 protected, payload and signature must be bstr", offset=offset)
    if not isinstance(unprotected, Mapping):
        raise EifError("COSE_Sign1 unprotected header must be a map", offset=offset)
    try:
        header = cbor2.loads(protected) if protected else {}
    except Exception as error:
        raise EifError(f"COSE protected header is not CBOR ({error})", offset=offset) from error
    algorithm = header.get(1) if isinstance(header, dict) else None
    if algorithm not in ALGORITHMS:
        raise EifError(
            f"COSE algorithm {algorithm!r} is not ES256 (-7), ES384 (-35) or ES512 (-36)",
            offset=offset,
        )
    return CoseSign1(protected, algorithm, payload, signature, tagged)


def decode_section(raw: bytes, offset: int) -> SignatureSection:
    """Parse the signature section bytes found at file offset `offset`."""
    try:
        entries = cbor2.loads(raw)
    except Exception as error:
        raise EifError(f"signature section is not valid CBOR ({error})", offset=offset) from error
    if not isinstance(entries, list) or not entries:
        raise EifError("signature section must be a non-empty CBOR array", offset=offset)
    first = entries[0]
    if not isinstance(first, dict) or not {"signing_certificate", "signature"} <= set(first):
        raise EifError(
            "signature entry must be a map with 'signing_certificate' and 'signature'",
            offset=offset,
        )
    pem = _uint_array(first["signing_certificate"], "signing_certificate", offset)
    cose_raw = _uint_array(first["signature"], "signature", offset)
    try:
        certificate = x509.load_pem_x509_certificate(pem)
    except ValueError as error:
        raise EifError(
            f"the signing certificate is not a PEM X.509 certificate ({error})", offset=offset
        ) from error
    return SignatureSection(pem, certificate, decode_cose_sign1(cose_raw, offset), len(entries))


def verify(section: SignatureSection, pcr0_hex: str) -> bool:
    """nitro-cli's SignatureCheck: payload == CBOR(PcrInfo(0, PCR0)) and the ECDSA holds."""
    cose = section.cose
    if cose.payload != pcr_payload(pcr0_hex):
        return False
    digest, width, curve = ALGORITHMS[cose.algorithm]
    try:
        key = section.certificate.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return False
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != curve:
        return False
    if len(cose.signature) != 2 * width:
        return False
    r = int.from_bytes(cose.signature[:width], "big")
    s = int.from_bytes(cose.signature[width:], "big")
    try:
        key.verify(encode_dss_signature(r, s), cose.to_be_signed(), ec.ECDSA(digest()))
    except InvalidSignature:
        return False
    return True


def sign_section(certificate_pem: bytes, key: ec.EllipticCurvePrivateKey, pcr0_hex: str) -> bytes:
    """The complete signature-section bytes for an image whose PCR0 is `pcr0_hex`."""
    algorithm = _ALG_OF_CURVE.get(key.curve.name)
    if algorithm is None:
        raise EifError(f"EC curve {key.curve.name} is not P-256, P-384 or P-521")
    digest, width, _ = ALGORITHMS[algorithm]
    protected = bytes(cbor2.dumps({1: algorithm}))
    payload = pcr_payload(pcr0_hex)
    unsigned = CoseSign1(protected, algorithm, payload, b"", tagged=False)
    r, s = decode_dss_signature(key.sign(unsigned.to_be_signed(), ec.ECDSA(digest())))
    raw_sig = r.to_bytes(width, "big") + s.to_bytes(width, "big")
    cose = bytes(cbor2.dumps([protected, {}, payload, raw_sig]))
    entry = {"signing_certificate": list(certificate_pem), "signature": list(cose)}
    return bytes(cbor2.dumps([entry]))


def openssl_time(moment: datetime) -> str:
    """OpenSSL's ASN1_TIME_print form, as nitro-cli shows it: `Mar  2 11:31:19 2021 GMT`."""
    moment = moment.astimezone(UTC)
    return f"{moment:%b} {moment.day:2d} {moment:%H:%M:%S} {moment.year} GMT"


def certificate_info(certificate: x509.Certificate) -> dict[str, Any]:
    """nitro-cli's `SigningCertificate` object (IssuerName keys sorted, like its BTreeMap)."""
    issuer = {
        getattr(attribute.oid, "_name", attribute.oid.dotted_string): str(attribute.value)
        for attribute in certificate.issuer
    }
    oid = certificate.signature_algorithm_oid
    return {
        "IssuerName": dict(sorted(issuer.items())),
        "Algorithm": getattr(oid, "_name", oid.dotted_string),
        "NotBefore": openssl_time(certificate.not_valid_before_utc),
        "NotAfter": openssl_time(certificate.not_valid_after_utc),
        "Signature": ":".join(f"{byte:02X}" for byte in certificate.signature),
    }


def validity_problem(certificate: x509.Certificate, at: datetime) -> str | None:
    """Why the certificate is not valid at `at` (None when it is)."""
    before, after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if at < before:
        return (
            f"the signing certificate is not valid until {before.isoformat()} "
            f"(checked at {at.isoformat()})"
        )
    if at > after:
        return (
            f"the signing certificate expired at {after.isoformat()} (checked at {at.isoformat()})"
        )
    return None
