"""Build `CiphertextForRecipient` the way KMS does, byte for byte in layout.

The outer ContentInfo, its `[0]`, the EnvelopedData, the EncryptedContentInfo and the
encryptedContent `[0]` use BER indefinite lengths (`80` … `00 00`), exactly like the real blob
`kms_cms_recipient_1.ber`; everything inside is DER from asn1crypto. The AWS C SDK's parser
accepts exactly this shape, so copying it keeps kmstool and `enclave_agent.recipient` happy.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from asn1crypto import algos, cms, core
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from core.errors import NitrodeckError

INDEFINITE_END = b"\x00\x00"


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _oid(dotted: str) -> bytes:
    return bytes(core.ObjectIdentifier(dotted).dump())


def _oaep_algorithm() -> cms.KeyEncryptionAlgorithm:
    sha256 = {"algorithm": "sha256", "parameters": core.Null()}
    return cms.KeyEncryptionAlgorithm(
        {
            "algorithm": "rsaes_oaep",
            "parameters": algos.RSAESOAEPParams(
                {
                    "hash_algorithm": sha256,
                    "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": sha256},
                }
            ),
        }
    )


@lru_cache(maxsize=64)
def recipient_public_key(spki_der: bytes) -> rsa.RSAPublicKey:
    """The RSA key from an attestation document's `public_key` (SubjectPublicKeyInfo DER).

    Remembered by the exact bytes: an enclave sends the same key with each request.
    """
    try:
        key = serialization.load_der_public_key(spki_der)
    except (ValueError, TypeError):
        raise NitrodeckError(
            "the attestation document's public_key is not a DER SubjectPublicKeyInfo",
            where="Recipient.AttestationDocument.public_key",
            fix="put the enclave's RSA-2048 public key, DER SubjectPublicKeyInfo, in the document",
        ) from None
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size != 2048:
        raise NitrodeckError(
            "the attestation document's public_key must be an RSA-2048 key",
            where="Recipient.AttestationDocument.public_key",
            fix="generate the ephemeral key as RSA-2048 (e = 65537), as kmstool does",
        )
    return key


def subject_key_identifier(spki_der: bytes) -> bytes:
    """The 32-byte `rid`: SHA-256 of the recipient's SPKI DER (KMS's own rule is undocumented)."""
    return hashlib.sha256(spki_der).digest()


def build_ciphertext_for_recipient(spki_der: bytes, plaintext: bytes) -> bytes:
    """Encrypt `plaintext` to the RSA key `spki_der` as KMS's BER CMS EnvelopedData."""
    public_key = recipient_public_key(spki_der)
    content_key = os.urandom(32)
    iv = os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(content_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()
    oaep = OAEP(mgf=MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    encrypted_key = public_key.encrypt(content_key, oaep)

    return assemble_enveloped(subject_key_identifier(spki_der), encrypted_key, iv, ciphertext)


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


@lru_cache(maxsize=1)
def _constants() -> tuple[bytes, bytes, bytes, bytes]:
    """DER of the fixed parts, made once by asn1crypto (building per request costs ~20 ms)."""
    return (
        bytes(_oaep_algorithm().dump()),
        _oid("1.2.840.113549.1.7.1"),  # id-data
        _oid("1.2.840.113549.1.7.3"),  # id-envelopedData
        _oid("2.16.840.1.101.3.4.1.42"),  # aes256-CBC
    )


def assemble_enveloped(ski: bytes, encrypted_key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """Lay out the EnvelopedData exactly like KMS's blob 1 around already-encrypted parts."""
    oaep, id_data, id_enveloped, aes256_cbc = _constants()
    recipient = _tlv(
        0x30,
        b"\x02\x01\x02" + _tlv(0x80, ski) + oaep + _tlv(0x04, encrypted_key),
    )
    recipient_infos = _tlv(0x31, recipient)
    content_algorithm = _tlv(0x30, aes256_cbc + _tlv(0x04, iv))
    encrypted_content_info = (
        b"\x30\x80"
        + id_data
        + content_algorithm
        + b"\xa0\x80"
        + _tlv(0x04, ciphertext)
        + INDEFINITE_END
        + INDEFINITE_END
    )
    enveloped = b"\x30\x80\x02\x01\x02" + recipient_infos + encrypted_content_info + INDEFINITE_END
    return b"\x30\x80" + id_enveloped + b"\xa0\x80" + enveloped + INDEFINITE_END + INDEFINITE_END
