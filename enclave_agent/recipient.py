"""The enclave side of KMS's `Recipient` flow: an ephemeral RSA key and a CMS decrypter.

KMS answers a request that carries an attestation document with `CiphertextForRecipient`: a
BER-encoded CMS EnvelopedData (RFC 5652) whose content key is RSAES-OAEP(SHA-256, MGF1-SHA-256)
encrypted to the public key inside the document, and whose content is AES-256-CBC. `cryptography`'s
own PKCS#7 decrypter cannot read it (OAEP, SKI recipient, indefinite lengths), so this module
parses with asn1crypto and does the maths with `cryptography` primitives. It uses nothing else,
so a user's own enclave application can import it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import cms
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

RSA_BITS = 2048
RSA_EXPONENT = 65537
AES_KEY_BYTES = 32
AES_BLOCK_BYTES = 16


class RecipientError(ValueError):
    """`CiphertextForRecipient` is not the CMS structure KMS sends, or does not decrypt."""


def _oaep() -> OAEP:
    return OAEP(mgf=MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def seal_to(public_key_der: bytes, data: bytes) -> bytes:
    """`data` RSAES-OAEP(SHA-256) encrypted to an attested recipient key (its SPKI DER), so
    that only the enclave holding the key reads it, not the parent relaying it."""
    key = serialization.load_der_public_key(public_key_der)
    if not isinstance(key, rsa.RSAPublicKey):
        raise RecipientError("the recipient key is not an RSA public key")
    return key.encrypt(data, _oaep())


@dataclass(frozen=True)
class EnvelopedFields:
    """The parts of a KMS EnvelopedData that decryption needs, as found in the blob."""

    subject_key_identifier: bytes
    encrypted_key: bytes
    iv: bytes
    ciphertext: bytes


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise RecipientError(what)


def _check_oaep(algorithm: cms.KeyEncryptionAlgorithm) -> None:
    name = algorithm["algorithm"].native
    _require(name == "rsaes_oaep", f"key encryption algorithm must be rsaes_oaep, found {name}")
    params = algorithm["parameters"]
    digest = params["hash_algorithm"]["algorithm"].native
    _require(digest == "sha256", f"RSAES-OAEP hash must be sha256, found {digest}")
    mgf = params["mask_gen_algorithm"]
    _require(mgf["algorithm"].native == "mgf1", "RSAES-OAEP mask generation must be mgf1")
    mgf_digest = mgf["parameters"]["algorithm"].native
    _require(mgf_digest == "sha256", f"MGF1 hash must be sha256, found {mgf_digest}")
    label = params["p_source_algorithm"]["parameters"].native
    _require(not label, "RSAES-OAEP label must be empty")


def parse_enveloped(blob: bytes) -> EnvelopedFields:
    """Check that `blob` has KMS's shape and return its fields (raises `RecipientError`).

    Enforces what the AWS C SDK's parser enforces, so that whatever passes here also passes in
    kmstool: EnvelopedData v2, one KeyTransRecipientInfo v2 with an SKI, OAEP-SHA-256, id-data,
    AES-256-CBC, and a primitive or constructed encryptedContent.
    """
    try:
        info = cms.ContentInfo.load(bytes(blob), strict=True)
        content_type = info["content_type"].native
        _require(
            content_type == "enveloped_data",
            f"content type must be enveloped_data, found {content_type}",
        )
        enveloped = info["content"]
        version = enveloped["version"].native
        _require(version == "v2", f"EnvelopedData version must be 2, found {version}")
        recipients = enveloped["recipient_infos"]
        _require(len(recipients) == 1, f"expected exactly one recipient, found {len(recipients)}")
        _require(
            recipients[0].name == "ktri",
            f"recipient must be KeyTransRecipientInfo, found {recipients[0].name}",
        )
        ktri = recipients[0].chosen
        _require(
            ktri["version"].native == "v2", "KeyTransRecipientInfo version must be 2 (SKI rid)"
        )
        rid = ktri["rid"]
        _require(
            rid.name == "subject_key_identifier",
            f"recipient id must be a subjectKeyIdentifier, found {rid.name}",
        )
        _check_oaep(ktri["key_encryption_algorithm"])
        content = enveloped["encrypted_content_info"]
        inner = content["content_type"].native
        _require(inner == "data", f"encrypted content type must be data, found {inner}")
        cipher = content["content_encryption_algorithm"]
        cipher_name = cipher["algorithm"].native
        _require(
            cipher_name == "aes256_cbc",
            f"content encryption must be aes256_cbc, found {cipher_name}",
        )
        iv = cipher["parameters"].native
        _require(
            isinstance(iv, bytes) and len(iv) == AES_BLOCK_BYTES, "AES-256-CBC IV must be 16 bytes"
        )
        ciphertext = content["encrypted_content"].native
        _require(isinstance(ciphertext, bytes), "encryptedContent is missing")
        return EnvelopedFields(
            subject_key_identifier=bytes(rid.chosen.native),
            encrypted_key=bytes(ktri["encrypted_key"].native),
            iv=iv,
            ciphertext=ciphertext,
        )
    except RecipientError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise RecipientError(f"not a BER CMS ContentInfo/EnvelopedData: {error}") from None


class EphemeralRecipient:
    """An RSA-2048 key that lives only in the enclave's memory, for one or more KMS calls."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self._key = private_key

    @classmethod
    def generate(cls) -> EphemeralRecipient:
        """A fresh key, as kmstool makes it: RSA-2048, e = 65537."""
        return cls(rsa.generate_private_key(public_exponent=RSA_EXPONENT, key_size=RSA_BITS))

    def public_key_der(self) -> bytes:
        """The SubjectPublicKeyInfo DER that goes into the attestation document's `public_key`."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def unseal(self, sealed: bytes) -> bytes:
        """What `seal_to` sealed to this key (raises `RecipientError`)."""
        try:
            return self._key.decrypt(sealed, _oaep())
        except ValueError:
            raise RecipientError("the sealed value does not decrypt with this key") from None

    def decrypt(self, ciphertext_for_recipient: bytes) -> bytes:
        """The plaintext inside KMS's `CiphertextForRecipient` (raises `RecipientError`)."""
        fields = parse_enveloped(ciphertext_for_recipient)
        size = self._key.key_size // 8
        found = len(fields.encrypted_key)
        _require(found == size, f"encrypted key must be {size} bytes, found {found}")
        try:
            content_key = self._key.decrypt(fields.encrypted_key, _oaep())
        except ValueError:
            raise RecipientError(
                "the encrypted key does not decrypt with this recipient's key"
            ) from None
        _require(
            len(content_key) == AES_KEY_BYTES,
            f"content key must be 32 bytes, found {len(content_key)}",
        )
        found = len(fields.ciphertext)
        _require(
            found % AES_BLOCK_BYTES == 0 and found > 0,
            f"AES-CBC content must be a non-empty multiple of 16 bytes, found {found}",
        )
        decryptor = Cipher(algorithms.AES(content_key), modes.CBC(fields.iv)).decryptor()
        padded = decryptor.update(fields.ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(AES_BLOCK_BYTES * 8).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise RecipientError("content has invalid PKCS#7 padding") from None
