"""Self-signed certificates and their keys as PEM files, for the tests that sign or decrypt.

One builder for the EIF signers, nitro-cli mode's `--signing-certificate` and the CMS recipient
tests, which differ only in key, name, validity and extensions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def write_self_signed(
    directory: Path,
    key: PrivateKey | None = None,
    *,
    name: str = "nitrodeck test signer",
    country: str | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    extensions: Sequence[x509.ExtensionType] = (),
    digest: hashes.HashAlgorithm | None = None,
    stem: str = "",
) -> tuple[Path, Path]:
    """Write `cert{stem}.pem` and `key{stem}.pem` under `directory` (a P-384 key unless one is
    given; valid from a day ago for 30 days unless told) and return their paths."""
    key = key or ec.generate_private_key(ec.SECP384R1())
    now = datetime.now(UTC)
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, country)] if country else []
    subject = x509.Name([*parts, x509.NameAttribute(NameOID.COMMON_NAME, name)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from or now - timedelta(days=1))
        .not_valid_after(valid_until or now + timedelta(days=30))
    )
    for extension in extensions:  # a CA's basic constraints are critical (RFC 5280 4.2.1.9)
        critical = isinstance(extension, x509.BasicConstraints)
        builder = builder.add_extension(extension, critical=critical)
    certificate = builder.sign(key, digest or hashes.SHA384())
    cert_path, key_path = directory / f"cert{stem}.pem", directory / f"key{stem}.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
