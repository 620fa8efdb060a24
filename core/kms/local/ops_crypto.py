"""Encrypt, Decrypt, GenerateDataKey and GenerateRandom, with `Recipient` where AWS takes it.

With a verified `Recipient`, the secret goes out only as `CiphertextForRecipient` (CMS to the
document's public key) and `Plaintext` is omitted, as KMS does.
"""

from __future__ import annotations

import os
from typing import Any

from core.kms.cms import build_ciphertext_for_recipient
from core.kms.local import blobs
from core.kms.local.errors import KmsError, validation
from core.kms.local.keys import resolve
from core.kms.local.service import Service, b64, blob, encryption_context, string

ALGORITHM = "SYMMETRIC_DEFAULT"
MAX_PLAINTEXT = 4096
DATA_KEY_SPECS = {"AES_256": 32, "AES_128": 16}


def _algorithm(body: dict[str, Any]) -> None:
    algorithm = body.get("EncryptionAlgorithm", ALGORITHM)
    if algorithm != ALGORITHM:
        raise KmsError(
            "InvalidKeyUsageException",
            f"The encryption algorithm {algorithm} is not supported by a SYMMETRIC_DEFAULT key",
        )


def _secret_out(service: Service, secret: bytes, recipient: Any) -> dict[str, str]:
    if recipient is None:
        return {"Plaintext": b64(secret)}
    return {
        "CiphertextForRecipient": b64(build_ciphertext_for_recipient(recipient.public_key, secret))
    }


def encrypt(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"))
    plaintext = blob(body, "Plaintext", required=True, limit=MAX_PLAINTEXT)
    context = encryption_context(body)
    _algorithm(body)
    service.authorize(record, "kms:Encrypt", principal, encryption_context=context)
    material = service.store.material(record.key_id)
    return {
        "CiphertextBlob": b64(blobs.seal(material, record.key_id, plaintext, context)),
        "KeyId": service.arn(record),
        "EncryptionAlgorithm": ALGORITHM,
    }


def decrypt(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    ciphertext = blob(body, "CiphertextBlob", required=True)
    context = encryption_context(body)
    _algorithm(body)
    header = blobs.read_header(ciphertext)
    record = resolve(service.store, service.region, header.key_id)
    named = string(body, "KeyId")
    if named is not None:
        wanted = resolve(service.store, service.region, named)
        if wanted.key_id != record.key_id:
            raise KmsError(
                "IncorrectKeyException",
                "The key ID in the request does not identify a CMK that can perform this "
                "operation.",
            )
    recipient = service.recipient(body)
    service.authorize(
        record, "kms:Decrypt", principal, recipient=recipient, encryption_context=context
    )
    plaintext = blobs.open_blob(service.store.material(record.key_id), ciphertext, context)
    return {
        "KeyId": service.arn(record),
        "EncryptionAlgorithm": ALGORITHM,
        **_secret_out(service, plaintext, recipient),
    }


def _data_key_size(body: dict[str, Any]) -> int:
    spec, count = body.get("KeySpec"), body.get("NumberOfBytes")
    if spec is not None and count is not None:
        raise validation("Please specify either number of bytes or key spec.")
    if spec is not None:
        if spec not in DATA_KEY_SPECS:
            raise validation(
                f"1 validation error detected: Value '{spec}' at 'keySpec' failed to satisfy "
                "constraint: Member must satisfy enum value set: [AES_256, AES_128]"
            )
        return DATA_KEY_SPECS[spec]
    if count is None:
        raise validation("Please specify either number of bytes or key spec.")
    return _count(count, "numberOfBytes")


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1024:
        raise validation(
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            "constraint: Member must have value between 1 and 1024"
        )
    return value


def generate_data_key(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"))
    size = _data_key_size(body)
    context = encryption_context(body)
    recipient = service.recipient(body)
    service.authorize(
        record, "kms:GenerateDataKey", principal, recipient=recipient, encryption_context=context
    )
    data_key = os.urandom(size)
    sealed = blobs.seal(service.store.material(record.key_id), record.key_id, data_key, context)
    return {
        "CiphertextBlob": b64(sealed),
        "KeyId": service.arn(record),
        **_secret_out(service, data_key, recipient),
    }


def generate_random(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    """Not a key operation: IAM alone governs it, so the local principal may always call it."""
    size = _count(body.get("NumberOfBytes"), "numberOfBytes")
    recipient = service.recipient(body)
    return _secret_out(service, os.urandom(size), recipient)
