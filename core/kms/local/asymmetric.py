"""RSA KMS keys and data key pairs: generation, public keys, RSAES-OAEP as KMS does it.

A KMS RSA key's material is its PKCS#8 DER private key, sealed in the store like AES material.
Ciphertext under an RSA key is plain RSAES-OAEP output (no header), exactly what a client makes
locally with the key's public key from GetPublicKey, so either side can produce it.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from core.kms.local.errors import KmsError, invalid_ciphertext, validation

RSA_KEY_SPECS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
RSA_ALGORITHMS = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
ECC_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}
DATA_KEY_PAIR_SPECS = (*RSA_KEY_SPECS, *ECC_CURVES)
# AWS's enums (botocore model): what a request may name, made here or not.
ALL_PAIR_SPECS = [*DATA_KEY_PAIR_SPECS, "SM2", "ECC_NIST_EDWARDS25519"]
ALL_PAIR_SPECS += [f"ML_KEM_{n}" for n in (512, 768, 1024)]
KEY_SPECS = [*ALL_PAIR_SPECS[:7], "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384"]
KEY_SPECS += ["HMAC_512", "SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519"]
KEY_SPECS += [f"ML_KEM_{n}" for n in (512, 768, 1024)]
# Longest plaintext RSAES-OAEP takes: modulus bytes - 2 * hash bytes - 2 (KMS's table agrees).
_HASH_BYTES = {"RSAES_OAEP_SHA_1": 20, "RSAES_OAEP_SHA_256": 32}


def generate_private_key(spec: str) -> bytes:
    """A new private key of `spec` (RSA_* or ECC_*), PKCS#8 DER."""
    key: Any
    if spec in RSA_KEY_SPECS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SPECS[spec])
    else:
        key = ec.generate_private_key(ECC_CURVES[spec]())
    return bytes(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def public_key_der(private_der: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo of a PKCS#8 private key (what GetPublicKey returns)."""
    key = serialization.load_der_private_key(private_der, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _padding(algorithm: str) -> padding.OAEP:
    digest: hashes.HashAlgorithm = (
        hashes.SHA1() if algorithm == "RSAES_OAEP_SHA_1" else hashes.SHA256()
    )
    return padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)


def rsa_algorithm(key_spec: str, algorithm: Any) -> str:
    """Check `EncryptionAlgorithm` for an RSA key; it is required (no default) as in KMS."""
    if algorithm is None or algorithm == "SYMMETRIC_DEFAULT":
        raise KmsError(
            "InvalidKeyUsageException",
            f"The encryption algorithm {algorithm or 'SYMMETRIC_DEFAULT'} is not supported by a "
            f"{key_spec} key; use one of {', '.join(RSA_ALGORITHMS)}",
        )
    if algorithm not in RSA_ALGORITHMS:
        raise validation(
            f"1 validation error detected: Value '{algorithm}' at 'encryptionAlgorithm' failed "
            "to satisfy constraint: Member must satisfy enum value set: "
            "[SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]"
        )
    return str(algorithm)


def rsa_encrypt(private_der: bytes, algorithm: str, plaintext: bytes) -> bytes:
    key = serialization.load_der_private_key(private_der, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    limit = key.key_size // 8 - 2 * _HASH_BYTES[algorithm] - 2
    if len(plaintext) > limit:
        raise validation(
            f"Plaintext is {len(plaintext)} bytes; {algorithm} with this key takes at most {limit}"
        )
    return key.public_key().encrypt(plaintext, _padding(algorithm))


def rsa_decrypt(private_der: bytes, algorithm: str, ciphertext: bytes) -> bytes:
    key = serialization.load_der_private_key(private_der, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    try:
        return key.decrypt(ciphertext, _padding(algorithm))
    except ValueError:
        raise invalid_ciphertext() from None
