"""KMS signing algorithms on PKCS#8 keys: RSASSA-PSS and PKCS #1 v1.5, ECDSA, over RAW or DIGEST.

KMS hashes a RAW message itself; a DIGEST message is the hash, which must be the algorithm's size.
PSS uses a salt as long as the digest and MGF1 with the same hash, as KMS documents; ECDSA
signatures are DER (RFC 3279), so `cryptography` or `openssl dgst -verify` check them as they are.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from core.kms.local.errors import validation

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}


def _hash(algorithm: str) -> hashes.HashAlgorithm:
    return HASHES[algorithm.rsplit("_", 1)[1]]()


def digest_of(message: bytes, message_type: str, algorithm: str) -> bytes:
    """The digest to sign: KMS hashes RAW messages; a DIGEST must be the hash's size."""
    digest = _hash(algorithm)
    if message_type == "RAW":
        hasher = hashes.Hash(digest)
        hasher.update(message)
        return hasher.finalize()
    if message_type != "DIGEST":
        raise validation(f"MessageType {message_type} is for ML-DSA keys, which this KMS lacks")
    if len(message) != digest.digest_size:
        raise validation(
            f"Digest is invalid length for algorithm {algorithm}: it is {len(message)} bytes, "
            f"{algorithm} takes a {digest.digest_size}-byte digest"
        )
    return message


def _rsa_padding(algorithm: str, digest: hashes.HashAlgorithm) -> padding.AsymmetricPadding:
    if algorithm.startswith("RSASSA_PSS_"):
        return padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
    return padding.PKCS1v15()


def sign(private_der: bytes, algorithm: str, digest: bytes) -> bytes:
    key = serialization.load_der_private_key(private_der, password=None)
    prehashed = utils.Prehashed(_hash(algorithm))
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest, _rsa_padding(algorithm, _hash(algorithm)), prehashed)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key.sign(digest, ec.ECDSA(prehashed))


def verify(private_der: bytes, algorithm: str, digest: bytes, signature: bytes) -> bool:
    public = serialization.load_der_private_key(private_der, password=None).public_key()
    prehashed = utils.Prehashed(_hash(algorithm))
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, digest, _rsa_padding(algorithm, _hash(algorithm)), prehashed)
        else:
            assert isinstance(public, ec.EllipticCurvePublicKey)
            public.verify(signature, digest, ec.ECDSA(prehashed))
    except (InvalidSignature, ValueError):
        return False
    return True
