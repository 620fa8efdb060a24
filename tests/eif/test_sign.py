"""Signing like nitro-cli sign-eif, and the checks describe and run-enclave make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from eif_support import SignerFactory

from core.eif import (
    SignatureCheckError,
    check_signature,
    describe_json,
    describe_text,
    pcr8_of_certificate,
    read_eif,
    sign_eif,
)
from core.eif.errors import EifSigningError
from core.eif.format import SectionType
from core.eif.writer import FileRange, Section, write_eif


@pytest.mark.parametrize(
    ("curve", "alg", "width"),
    [(ec.SECP256R1(), -7, 32), (ec.SECP384R1(), -35, 48), (ec.SECP521R1(), -36, 66)],
)
def test_sign_each_curve(
    synthetic: Path, make_signer: SignerFactory, curve: ec.EllipticCurve, alg: int, width: int
) -> None:
    before = read_eif(synthetic).measurements
    cert, key = make_signer(curve)
    measurements = sign_eif(synthetic, cert, key)
    info = read_eif(synthetic)
    assert info.crc_ok and info.is_signed and info.signature_ok is True
    assert (measurements.pcr0, measurements.pcr1, measurements.pcr2) == (
        before.pcr0,
        before.pcr1,
        before.pcr2,
    )
    assert measurements.pcr8 == info.measurements.pcr8 == pcr8_of_certificate(cert.read_bytes())
    assert info.sections[-1].type is SectionType.SIGNATURE and len(info.sections) == 6
    assert info.signature is not None
    assert info.signature.cose.algorithm == alg and not info.signature.cose.tagged
    assert len(info.signature.cose.signature) == 2 * width


def test_signature_section_encoding(synthetic: Path, make_signer: SignerFactory) -> None:
    """Byte fields are CBOR arrays of uints; the COSE_Sign1 is untagged with an empty map."""
    cert, key = make_signer()
    sign_eif(synthetic, cert, key)
    info = read_eif(synthetic)
    section = info.sections[-1]
    raw = synthetic.read_bytes()[section.data_offset : section.data_offset + section.size]
    entries = cbor2.loads(raw)
    assert list(entries[0]) == ["signing_certificate", "signature"]
    assert bytes(entries[0]["signing_certificate"]) == cert.read_bytes()
    cose = cbor2.loads(bytes(entries[0]["signature"]))
    assert isinstance(cose, list) and cose[0] == bytes.fromhex("a1013822") and cose[1] == {}
    assert raw[0] == 0x81 and raw[1] == 0xA2  # array(1) of map(2)


def test_resigning_replaces_the_signature(synthetic: Path, make_signer: SignerFactory) -> None:
    first_cert, first_key = make_signer()
    second_cert, second_key = make_signer(ec.SECP256R1())
    sign_eif(synthetic, first_cert, first_key)
    measured = sign_eif(synthetic, second_cert, second_key)
    info = read_eif(synthetic)
    assert len(info.sections) == 6 and info.signature_ok
    assert info.measurements.pcr8 == measured.pcr8 == pcr8_of_certificate(second_cert.read_bytes())


def test_tampered_pcr0_after_signing_fails_the_check(
    synthetic: Path, make_signer: SignerFactory, tmp_path: Path
) -> None:
    cert, key = make_signer()
    sign_eif(synthetic, cert, key)
    info = read_eif(synthetic)
    tampered = tmp_path / "tampered.eif"
    sections = [Section(s.type, FileRange(synthetic, s.data_offset, s.size)) for s in info.sections]
    sections[0] = Section(SectionType.KERNEL, b"another kernel")  # PCR0 moves, CRC rewritten
    write_eif(tampered, sections)
    changed = read_eif(tampered)
    assert changed.crc_ok and changed.signature_ok is False
    assert describe_json(changed)["SignatureCheck"] is False
    assert "DOES NOT VERIFY" in describe_text(changed)
    with pytest.raises(SignatureCheckError, match="does not verify") as caught:
        check_signature(tampered)
    assert caught.value.exit_code == 59


def test_expired_certificate_is_called_out(synthetic: Path, make_signer: SignerFactory) -> None:
    now = datetime.now(UTC)
    cert, key = make_signer(
        valid_from=now - timedelta(days=30), valid_until=now - timedelta(days=1)
    )
    sign_eif(synthetic, cert, key)
    info = read_eif(synthetic)
    assert info.signature_ok is True  # the signature itself is fine
    shaped = describe_json(info)
    assert shaped["SignatureCheck"] is True
    assert "CertificateValidity" not in shaped  # nitro-cli's JSON has no such key
    assert "WARNING: the signing certificate expired" in describe_text(info)
    with pytest.raises(SignatureCheckError, match="expired"):
        check_signature(synthetic)
    check_signature(synthetic, now - timedelta(days=10))  # valid back then


def test_not_yet_valid_certificate(synthetic: Path, make_signer: SignerFactory) -> None:
    now = datetime.now(UTC)
    cert, key = make_signer(valid_from=now + timedelta(days=2), valid_until=now + timedelta(days=9))
    sign_eif(synthetic, cert, key)
    with pytest.raises(SignatureCheckError, match="not valid until"):
        check_signature(synthetic, now)


def test_signing_certificate_shape(synthetic: Path, make_signer: SignerFactory) -> None:
    cert, key = make_signer()
    sign_eif(synthetic, cert, key)
    shaped = describe_json(read_eif(synthetic))
    keys = list(shaped)
    assert keys.index("SigningCertificate") == keys.index("IsSigned") + 1
    assert keys.index("SignatureCheck") == keys.index("CheckCRC") + 1
    info = shaped["SigningCertificate"]
    assert list(info) == ["IssuerName", "Algorithm", "NotBefore", "NotAfter", "Signature"]
    assert info["IssuerName"] == {"commonName": "nitrodeck test signer", "countryName": "US"}
    assert info["Algorithm"] == "ecdsa-with-SHA384"
    assert info["NotAfter"].endswith(" GMT") and len(info["NotAfter"].split()) == 5
    assert all(len(part) == 2 for part in info["Signature"].split(":"))


def test_unsigned_image_passes_check(synthetic: Path) -> None:
    check_signature(synthetic)


def test_key_that_does_not_match_the_certificate(
    synthetic: Path, make_signer: SignerFactory
) -> None:
    cert, _ = make_signer()
    _, other_key = make_signer()
    with pytest.raises(EifSigningError, match="does not belong"):
        sign_eif(synthetic, cert, other_key)


def test_rsa_key_is_refused(synthetic: Path, make_signer: SignerFactory, tmp_path: Path) -> None:
    cert, _ = make_signer()
    rsa_key = tmp_path / "rsa.pem"
    rsa_key.write_bytes(
        rsa.generate_private_key(65537, 2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    with pytest.raises(EifSigningError, match="not an EC key") as caught:
        sign_eif(synthetic, cert, rsa_key)
    assert caught.value.exit_code == 60


def test_garbage_certificate(synthetic: Path, make_signer: SignerFactory, tmp_path: Path) -> None:
    _, key = make_signer()
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("hello")
    with pytest.raises(EifSigningError, match=r"not a PEM X\.509 certificate") as caught:
        sign_eif(synthetic, bogus, key)
    assert caught.value.exit_code == 60


def test_tag_18_cose_is_accepted(
    synthetic: Path, make_signer: SignerFactory, tmp_path: Path
) -> None:
    """nitro-cli writes COSE_Sign1 untagged; a tag-18 one must read and verify just the same."""
    sign_eif(synthetic, *make_signer())
    info = read_eif(synthetic)
    signature = info.sections[-1]
    raw = synthetic.read_bytes()[signature.data_offset : signature.data_offset + signature.size]
    entries = cbor2.loads(raw)
    cose = cbor2.loads(bytes(entries[0]["signature"]))
    entries[0]["signature"] = list(cbor2.dumps(cbor2.CBORTag(18, cose)))
    tagged = tmp_path / "tagged.eif"
    sections = [
        Section(s.type, FileRange(synthetic, s.data_offset, s.size)) for s in info.sections[:-1]
    ]
    write_eif(tagged, [*sections, Section(SectionType.SIGNATURE, cbor2.dumps(entries))])
    again = read_eif(tagged)
    assert again.signature is not None and again.signature.cose.tagged
    assert again.signature_ok is True and again.measurements == info.measurements
