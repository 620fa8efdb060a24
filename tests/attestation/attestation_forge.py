"""Test helpers that take real documents apart and forge new ones with our own keys.

`Forge` re-issues a real document's whole chain under a fresh root that copies the AWS root's
subject (a look-alike), keeping every name, serial, validity and CA extension, and signs
documents with the new leaf key. Trusting the forged root, such documents verify completely,
which proves the forgery is faithful; so any failure a test provokes comes from the one thing it
changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cbor2
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA384
from cryptography.hazmat.primitives.serialization import Encoding

PROTECTED_ES384 = bytes.fromhex("a1013822")


def split(document: bytes) -> tuple[bytes, bytes, bytes]:
    """(protected, payload, signature) of an untagged COSE_Sign1."""
    protected, _unprotected, payload, signature = cbor2.loads(document)
    return protected, payload, signature


def fields(document: bytes) -> dict[str, Any]:
    """The payload map as an ordered dict (cbor2 keeps the wire order)."""
    decoded: dict[str, Any] = cbor2.loads(split(document)[1])
    return decoded


def encode_payload(values: dict[str, Any], *, indefinite: bool = False) -> bytes:
    """Encode like the NSM does: definite `a9`, or `bf` + pairs + `ff` for newer documents."""
    if not indefinite:
        return bytes(cbor2.dumps(values))
    pairs = b"".join(cbor2.dumps(key) + cbor2.dumps(value) for key, value in values.items())
    return b"\xbf" + pairs + b"\xff"


def assemble(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    return bytes(cbor2.dumps([protected, {}, payload, signature]))


def with_payload(document: bytes, payload: bytes) -> bytes:
    """The same protected header and signature over a different payload (a tampered document)."""
    protected, _, signature = split(document)
    return assemble(protected, payload, signature)


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    return bytes(cbor2.dumps(["Signature1", protected, b"", payload]))


def _reissue(
    original: x509.Certificate,
    key: ec.EllipticCurvePrivateKey,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    leaf: bool,
    key_usage: x509.KeyUsage | None = None,
    basic: x509.BasicConstraints | None = None,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(original.subject)
        .issuer_name(original.issuer)
        .serial_number(original.serial_number & ((1 << 159) - 1))  # builder limit: 159 bits
        .not_valid_before(original.not_valid_before_utc)
        .not_valid_after(original.not_valid_after_utc)
        .public_key(key.public_key())
    )
    extensions = original.extensions
    bc = extensions.get_extension_for_class(x509.BasicConstraints)
    ku = extensions.get_extension_for_class(x509.KeyUsage)
    builder = builder.add_extension(basic or bc.value, critical=bc.critical)
    builder = builder.add_extension(key_usage or ku.value, critical=ku.critical)
    if not leaf:
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        builder = builder.add_extension(ski, critical=False)
        if original.issuer != original.subject:
            aki = x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key())
            builder = builder.add_extension(aki, critical=False)
    return builder.sign(issuer_key, SHA384())


@dataclass
class Forge:
    """A look-alike PKI cloned from one real document's chain."""

    root: x509.Certificate
    cabundle: list[bytes]
    leaf: bytes
    leaf_key: ec.EllipticCurvePrivateKey

    @classmethod
    def clone(
        cls,
        document: bytes,
        *,
        leaf_usage: x509.KeyUsage | None = None,
        leaf_basic: x509.BasicConstraints | None = None,
    ) -> Forge:
        values = fields(document)
        originals = [x509.load_der_x509_certificate(der) for der in values["cabundle"]]
        keys = [ec.generate_private_key(ec.SECP384R1()) for _ in originals]
        issued: list[x509.Certificate] = []
        for index, original in enumerate(originals):
            issuer_key = keys[index - 1] if index else keys[0]
            issued.append(_reissue(original, keys[index], issuer_key, leaf=False))
        leaf_key = ec.generate_private_key(ec.SECP384R1())
        leaf = _reissue(
            x509.load_der_x509_certificate(values["certificate"]),
            leaf_key,
            keys[-1],
            leaf=True,
            key_usage=leaf_usage,
            basic=leaf_basic,
        )
        return cls(
            root=issued[0],
            cabundle=[cert.public_bytes(Encoding.DER) for cert in issued],
            leaf=leaf.public_bytes(Encoding.DER),
            leaf_key=leaf_key,
        )

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(Encoding.PEM)

    def sign(self, protected: bytes, payload: bytes) -> bytes:
        der = self.leaf_key.sign(sig_structure(protected, payload), ec.ECDSA(SHA384()))
        r, s = decode_dss_signature(der)
        return r.to_bytes(48, "big") + s.to_bytes(48, "big")

    def document(
        self,
        real: bytes,
        *,
        protected: bytes = PROTECTED_ES384,
        cabundle: list[bytes] | None = None,
        **changes: Any,
    ) -> bytes:
        """`real` re-issued under this PKI, with payload fields replaced by `changes`."""
        values = fields(real)
        values["certificate"] = self.leaf
        values["cabundle"] = self.cabundle if cabundle is None else cabundle
        values.update(changes)
        payload = encode_payload(values)
        return assemble(protected, payload, self.sign(protected, payload))
