"""Fixtures for the EIF engine: docs/eif.md §6's synthetic image, rootfs trees, signing pairs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from eif_support import SYNTHETIC_SECTIONS, RootfsFactory, SignerFactory

from core.eif.writer import write_eif


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    """The synthetic EIF of docs/eif.md §6, written by our writer."""
    path = tmp_path / "synthetic.eif"
    write_eif(path, SYNTHETIC_SECTIONS)
    return path


@pytest.fixture
def make_rootfs(tmp_path: Path) -> RootfsFactory:
    """`make_rootfs(name, {relative path: text})` creates a small tree and returns its root."""

    def make(name: str = "app-root", files: dict[str, str] | None = None) -> Path:
        root = tmp_path / name
        for relative, text in (files or {"app/main.py": "print('hello')\n"}).items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        root.mkdir(exist_ok=True)
        return root

    return make


@pytest.fixture
def make_signer(tmp_path: Path) -> SignerFactory:
    """`make_signer(curve, valid_from, valid_until)` -> (certificate PEM path, key PEM path)."""
    counter = iter(range(1000))

    def make(
        curve: ec.EllipticCurve | None = None,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> tuple[Path, Path]:
        key = ec.generate_private_key(curve or ec.SECP384R1())
        now = datetime.now(UTC)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                x509.NameAttribute(NameOID.COMMON_NAME, "nitrodeck test signer"),
            ]
        )
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from or now - timedelta(days=1))
            .not_valid_after(valid_until or now + timedelta(days=30))
            .sign(key, hashes.SHA384())
        )
        number = next(counter)
        cert_path, key_path = tmp_path / f"cert{number}.pem", tmp_path / f"key{number}.pem"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return cert_path, key_path

    return make
