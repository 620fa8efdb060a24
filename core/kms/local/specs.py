"""Key specs and key usages as AWS pairs them, and the algorithms each pair offers.

One table serves CreateKey (which usages a spec takes; which one is the default), DescribeKey and
GetPublicKey (the algorithm lists), and the operations that must refuse a key of the wrong kind.
Specs AWS has but this KMS does not make (SM2, Ed25519, ML-DSA, ML-KEM) answer
UnsupportedOperationException at CreateKey.
"""

from __future__ import annotations

import os
from typing import Any

from core.kms.local.asymmetric import (
    ECC_CURVES,
    RSA_ALGORITHMS,
    RSA_KEY_SPECS,
    generate_private_key,
)
from core.kms.local.errors import KmsError, validation
from core.kms.local.keys import resolve
from core.kms.local.service import Service, blob
from core.kms.local.store import KeyRecord

ENCRYPT, SIGN, MAC, AGREE = "ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"
SYMMETRIC = "SYMMETRIC_DEFAULT"
MAX_MESSAGE = 4096
HMAC_SPECS = {"HMAC_224": 28, "HMAC_256": 32, "HMAC_384": 48, "HMAC_512": 64}
RSA_SIGNING = [
    f"RSASSA_{scheme}_SHA_{bits}" for scheme in ("PSS", "PKCS1_V1_5") for bits in (256, 384, 512)
]
ECDSA = {
    "ECC_NIST_P256": "ECDSA_SHA_256",
    "ECC_NIST_P384": "ECDSA_SHA_384",
    "ECC_NIST_P521": "ECDSA_SHA_512",
    "ECC_SECG_P256K1": "ECDSA_SHA_256",
}
# Which usages each spec this KMS makes may have (AWS's CreateKey table); the first is not a
# default: only SYMMETRIC_DEFAULT and HMAC specs may omit KeyUsage.
USAGES: dict[str, tuple[str, ...]] = {
    SYMMETRIC: (ENCRYPT,),
    **dict.fromkeys(RSA_KEY_SPECS, (ENCRYPT, SIGN)),
    **dict.fromkeys(["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"], (SIGN, AGREE)),
    "ECC_SECG_P256K1": (SIGN,),
    **dict.fromkeys(HMAC_SPECS, (MAC,)),
}


def key_usage(spec: str, usage: Any) -> str:
    """The usage a new key of `spec` gets (the model has checked both enums)."""
    if spec not in USAGES:
        raise KmsError(
            "UnsupportedOperationException",
            f"KeySpec {spec} is not supported by the nitrodeck local KMS; it makes "
            f"{', '.join(USAGES)} keys",
        )
    allowed = USAGES[spec]
    if usage is None:
        if spec != SYMMETRIC and spec not in HMAC_SPECS:
            raise validation(
                f"KeyUsage is required for an asymmetric KMS key: give one of "
                f"{', '.join(allowed)} for KeySpec {spec}"
            )
        return allowed[0]
    if usage not in allowed:
        raise validation(
            f"KeyUsage {usage} is not compatible with KeySpec {spec}; it takes "
            f"{' or '.join(allowed)}"
        )
    return str(usage)


def new_material(spec: str) -> bytes:
    """Fresh key material: AES-256 or HMAC key bytes, or a PKCS#8 DER private key."""
    if spec == SYMMETRIC:
        return os.urandom(32)
    if spec in HMAC_SPECS:
        return os.urandom(HMAC_SPECS[spec])
    return generate_private_key(spec)


def algorithms(record: KeyRecord) -> dict[str, list[str]]:
    """The algorithm lists DescribeKey and GetPublicKey show for a key."""
    spec, usage = record.key_spec, record.key_usage
    if usage == ENCRYPT:
        return {
            "EncryptionAlgorithms": list(RSA_ALGORITHMS) if spec in RSA_KEY_SPECS else [SYMMETRIC]
        }
    if usage == SIGN:
        return {"SigningAlgorithms": RSA_SIGNING if spec in RSA_KEY_SPECS else [ECDSA[spec]]}
    if usage == MAC:
        return {"MacAlgorithms": [f"HMAC_SHA_{spec.split('_')[1]}"]}
    return {"KeyAgreementAlgorithms": ["ECDH"]}


def is_asymmetric(spec: str) -> bool:
    return spec in RSA_KEY_SPECS or spec in ECC_CURVES


def wrong_usage(service_arn: str, record: KeyRecord, operation: str) -> KmsError:
    """InvalidKeyUsageException for a key whose usage or spec does not fit `operation`."""
    return KmsError(
        "InvalidKeyUsageException",
        f"{service_arn} key usage is {record.key_usage} with key spec {record.key_spec}, which "
        f"is not valid for {operation}.",
    )


def message_request(
    service: Service, body: dict[str, Any], usage: str, field: str, action: str
) -> tuple[KeyRecord, str, bytes]:
    """Key, algorithm (`body[field]`) and `Message` of a Sign/Verify/MAC request: the key must
    have `usage` and offer the algorithm, else InvalidKeyUsageException."""
    record = resolve(service.store, service.region, body.get("KeyId"))
    message = blob(body, "Message", required=True, limit=MAX_MESSAGE)
    algorithm = str(body[field])
    if record.key_usage != usage:
        raise wrong_usage(service.arn(record), record, action)
    offered = next(iter(algorithms(record).values()))
    if algorithm not in offered:
        raise KmsError(
            "InvalidKeyUsageException",
            f"{algorithm} is not supported by {service.arn(record)} ({record.key_spec}); it "
            f"offers {', '.join(offered)}",
        )
    return record, algorithm, message
