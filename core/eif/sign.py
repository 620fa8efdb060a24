"""Sign an EIF like `nitro-cli sign-eif`, and check a signature the way run-enclave does.

Signing drops any existing signature section, appends a new one over the image's PCR0 and
rewrites the header table and the CRC; PCR0/1/2 cannot change because the signature section is
never measured.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

from core.eif.errors import EifError, EifSigningError, SignatureCheckError
from core.eif.format import SectionType
from core.eif.measure import Measurements, pcr8_of_certificate
from core.eif.reader import read_eif
from core.eif.signature import sign_section, validity_problem
from core.eif.writer import FileRange, Section, write_eif


def _read(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise EifSigningError(f"cannot read the {what}: {error.strerror}", path=path) from error


def _spki(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def load_signing_key(path: Path) -> ec.EllipticCurvePrivateKey:
    """A PEM EC private key on P-256, P-384 or P-521."""
    try:
        key = load_pem_private_key(_read(path, "private key"), password=None)
    except (ValueError, TypeError) as error:
        raise EifSigningError(
            f"not an unencrypted PEM private key ({error})",
            path=path,
            fix="pass an EC key, e.g. `openssl ecparam -name secp384r1 -genkey -noout`",
        ) from error
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise EifSigningError(
            f"the key is {type(key).__name__.removeprefix('_')}, not an EC key",
            path=path,
            fix="EIF signatures use ECDSA on P-256, P-384 or P-521",
        )
    return key


def sign_eif(eif_path: Path, signing_certificate: Path, private_key: Path) -> Measurements:
    """Sign `eif_path` in place; return its measurements including PCR8."""
    eif_path = Path(eif_path)
    certificate_pem = _read(signing_certificate, "signing certificate")
    try:
        pcr8 = pcr8_of_certificate(certificate_pem, source=signing_certificate)
    except EifError as error:
        raise EifSigningError(error.what, path=signing_certificate, fix=error.fix) from error
    key = load_signing_key(private_key)
    certificate = x509.load_pem_x509_certificate(certificate_pem)
    if _spki(certificate.public_key()) != _spki(key.public_key()):
        raise EifSigningError(
            "the private key does not belong to the signing certificate",
            path=private_key,
            fix="pass the key the certificate was issued for",
        )
    info = read_eif(eif_path)
    signature = sign_section(certificate_pem, key, info.measurements.pcr0)
    sections = [
        Section(section.type, FileRange(eif_path, section.data_offset, section.size))
        for section in info.sections
        if section.type is not SectionType.SIGNATURE
    ]
    sections.append(Section(SectionType.SIGNATURE, signature))
    measured = write_eif(eif_path, sections, flags=info.flags, version=info.version)
    return Measurements(measured.pcr0, measured.pcr1, measured.pcr2, pcr8)


def check_signature(eif: Path, at: datetime | None = None) -> None:
    """Raise `SignatureCheckError` unless the signature verifies and its certificate is valid at
    `at` (default now), as run-enclave requires (its E59). An unsigned image passes: there is
    nothing to check."""
    info = read_eif(Path(eif))
    if info.signature is None:
        return
    moment = at or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not info.signature_ok:
        raise SignatureCheckError(
            "the signature does not verify against the image's PCR0 (bad signature or the "
            "image changed after signing)",
            path=eif,
            fix="re-sign the image with `nitrodeck eif sign`",
        )
    problem = validity_problem(info.signature.certificate, moment)
    if problem is not None:
        raise SignatureCheckError(
            problem, path=eif, fix="re-sign the image with a currently valid certificate"
        )
