"""CMS EnvelopedData for KMS recipients: the real blobs, our builder, and OpenSSL both ways."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given
from hypothesis import strategies as st
from pem_pairs import write_self_signed

from core.errors import NitrodeckError
from core.kms.cms import assemble_enveloped, build_ciphertext_for_recipient, subject_key_identifier
from enclave_agent.recipient import EphemeralRecipient, RecipientError, parse_enveloped

BLOBS = ("kms_cms_recipient_1.ber", "kms_cms_recipient_2.ber")
openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


@pytest.fixture(scope="module")
def recipient() -> EphemeralRecipient:
    return EphemeralRecipient.generate()


@pytest.mark.parametrize("name", BLOBS)
def test_real_kms_blobs_parse_to_the_manifest_fields(vectors: Path, name: str) -> None:
    expected = json.loads((vectors / "manifest.json").read_text())[name]
    fields = parse_enveloped((vectors / name).read_bytes())
    assert fields.encrypted_key.hex() == expected["expected_encrypted_key_hex"]
    assert fields.iv.hex() == expected["expected_iv_hex"]
    assert fields.ciphertext.hex() == expected["expected_ciphertext_hex"]
    assert len(fields.subject_key_identifier) == 32


def test_builder_reproduces_blob_1_byte_for_byte(vectors: Path) -> None:
    blob = (vectors / "kms_cms_recipient_1.ber").read_bytes()
    f = parse_enveloped(blob)
    assert assemble_enveloped(f.subject_key_identifier, f.encrypted_key, f.iv, f.ciphertext) == blob


def test_round_trip_and_kms_layout(recipient: EphemeralRecipient) -> None:
    spki = recipient.public_key_der()
    blob = build_ciphertext_for_recipient(spki, b"k" * 32)
    assert blob.startswith(bytes.fromhex("308006092a864886f70d010703a0803080020102"))
    assert blob.endswith(b"\x00" * 8)
    assert len(blob) == 493  # the size of KMS's blob 1, which also carries 32 bytes
    assert parse_enveloped(blob).subject_key_identifier == subject_key_identifier(spki)
    assert recipient.decrypt(blob) == b"k" * 32


@given(st.binary(min_size=1, max_size=1100))
def test_round_trip_any_plaintext(plaintext: bytes) -> None:
    recipient = _SHARED
    assert (
        recipient.decrypt(build_ciphertext_for_recipient(recipient.public_key_der(), plaintext))
        == plaintext
    )


_SHARED = EphemeralRecipient.generate()


def test_public_key_is_rsa_2048_spki(recipient: EphemeralRecipient) -> None:
    key = serialization.load_der_public_key(recipient.public_key_der())
    assert isinstance(key, rsa.RSAPublicKey)
    assert key.key_size == 2048 and key.public_numbers().e == 65537


def test_other_recipient_cannot_decrypt(recipient: EphemeralRecipient) -> None:
    blob = build_ciphertext_for_recipient(recipient.public_key_der(), b"secret")
    with pytest.raises(RecipientError, match="does not decrypt with this recipient"):
        EphemeralRecipient.generate().decrypt(blob)


def test_builder_rejects_non_rsa_2048() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    der = small.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(NitrodeckError, match="RSA-2048"):
        build_ciphertext_for_recipient(der, b"x")
    with pytest.raises(NitrodeckError, match="SubjectPublicKeyInfo"):
        build_ciphertext_for_recipient(b"not a key", b"x")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            bytes.fromhex("020102318201"),
            bytes.fromhex("020100318201"),
            "EnvelopedData version must be 2",
        ),
        (bytes.fromhex("60864801650304012a"), bytes.fromhex("608648016503040102"), "aes256_cbc"),
        (bytes.fromhex("2a864886f70d010107"), bytes.fromhex("2a864886f70d010101"), "rsaes_oaep"),
        (
            bytes.fromhex("06092a864886f70d010701"),
            bytes.fromhex("06092a864886f70d010702"),
            "must be data",
        ),
    ],
)
def test_violations_name_what_was_expected(
    vectors: Path, old: bytes, new: bytes, message: str
) -> None:
    blob = (vectors / "kms_cms_recipient_1.ber").read_bytes()
    assert old in blob
    with pytest.raises(RecipientError, match=message):
        parse_enveloped(blob.replace(old, new, 1))


def test_wrong_oaep_hash_is_named(vectors: Path) -> None:
    blob = (vectors / "kms_cms_recipient_1.ber").read_bytes()
    sha256 = bytes.fromhex("0609608648016503040201")
    sha384 = bytes.fromhex("0609608648016503040202")
    with pytest.raises(RecipientError, match="RSAES-OAEP hash must be sha256"):
        parse_enveloped(blob.replace(sha256, sha384, 1))


def test_bad_padding_is_reported(recipient: EphemeralRecipient) -> None:
    blob = bytearray(build_ciphertext_for_recipient(recipient.public_key_der(), b"x" * 16))
    blob[-9] ^= 0xFF  # last ciphertext byte: garbles the final block and its padding
    with pytest.raises(RecipientError):
        recipient.decrypt(bytes(blob))


@given(st.binary(max_size=600))
def test_garbage_raises_only_recipient_error(data: bytes) -> None:
    with pytest.raises(RecipientError):
        parse_enveloped(data)


@given(st.integers(min_value=0, max_value=492), st.integers(min_value=1, max_value=255))
def test_corrupted_real_blob_never_crashes(vectors: Path, position: int, flip: int) -> None:
    blob = bytearray((vectors / "kms_cms_recipient_1.ber").read_bytes())
    blob[position] ^= flip
    with contextlib.suppress(RecipientError):
        parse_enveloped(bytes(blob))


def _self_signed(key: rsa.RSAPrivateKey, directory: Path) -> tuple[Path, Path]:
    """A certificate for `key` with its subject key identifier, as OpenSSL's CMS tools want."""
    return write_self_signed(
        directory,
        key,
        name="enclave ephemeral key",
        extensions=[x509.SubjectKeyIdentifier.from_public_key(key.public_key())],
        digest=hashes.SHA256(),
    )


def _openssl_encrypt(tmp_path: Path, plaintext: bytes, *, keyid: bool) -> rsa.RSAPrivateKey:
    """`openssl cms -encrypt` with KMS's algorithms to a fresh key's self-signed certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert, _ = _self_signed(key, tmp_path)
    (tmp_path / "plain").write_bytes(plaintext)
    command = ["openssl", "cms", "-encrypt", "-in", str(tmp_path / "plain"), "-recip", str(cert)]
    command += ["-keyid"] if keyid else []
    command += ["-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"]
    command += ["-keyopt", "rsa_mgf1_md:sha256", "-aes-256-cbc", "-binary"]
    command += ["-outform", "DER", "-out", str(tmp_path / "cms.der")]
    subprocess.run(command, check=True, capture_output=True)
    return key


@openssl
def test_openssl_made_cms_decrypts_with_ephemeral_recipient(tmp_path: Path) -> None:
    plaintext = b"a data key from openssl, 42 bytes long!!!"
    key = _openssl_encrypt(tmp_path, plaintext, keyid=True)
    blob = (tmp_path / "cms.der").read_bytes()
    assert EphemeralRecipient(key).decrypt(blob) == plaintext


@openssl
def test_openssl_without_keyid_uses_issuer_serial_and_is_refused(tmp_path: Path) -> None:
    """Without -keyid OpenSSL names the recipient by issuer/serial (EnvelopedData v0), which
    KMS never sends and kmstool rejects: refused with the reason."""
    key = _openssl_encrypt(tmp_path, b"x", keyid=False)
    with pytest.raises(RecipientError, match="EnvelopedData version must be 2, found v0"):
        EphemeralRecipient(key).decrypt((tmp_path / "cms.der").read_bytes())


@openssl
def test_our_cms_decrypts_with_openssl(tmp_path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _, key_path = _self_signed(key, tmp_path)
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    plaintext = bytes(range(256)) * 3
    (tmp_path / "cms.ber").write_bytes(build_ciphertext_for_recipient(spki, plaintext))
    result = subprocess.run(
        [
            "openssl",
            "cms",
            "-decrypt",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "cms.ber"),
            "-inkey",
            str(key_path),
            "-binary",
        ],
        check=True,
        capture_output=True,
    )
    assert result.stdout == plaintext
