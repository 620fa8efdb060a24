"""Encrypt, Decrypt, GenerateDataKey(+WithoutPlaintext), GenerateRandom, with `Recipient` where
AWS takes it.

With a verified `Recipient`, the secret goes out only as `CiphertextForRecipient` (CMS to the
document's public key) and `Plaintext` is omitted, as KMS does. Symmetric keys make this KMS's
own blobs (`blobs`); RSA keys make plain RSAES-OAEP ciphertext (`asymmetric`), which needs the
KeyId to decrypt, as in AWS.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from core.kms.attested import VerifiedRecipient
from core.kms.cms import build_ciphertext_for_recipient
from core.kms.local import blobs, materials
from core.kms.local.asymmetric import RSA_KEY_SPECS, rsa_algorithm, rsa_decrypt, rsa_encrypt
from core.kms.local.errors import KmsError, invalid_ciphertext, validation
from core.kms.local.keys import key_arn, resolve
from core.kms.local.service import Service, b64, blob, dry_run, encryption_context, string
from core.kms.local.specs import ENCRYPT, SYMMETRIC, wrong_usage
from core.kms.local.states import require_usable
from core.kms.local.store import KeyRecord

ALGORITHM = "SYMMETRIC_DEFAULT"
MAX_PLAINTEXT = 4096
DATA_KEY_SPECS = {"AES_256": 32, "AES_128": 16}


def is_rsa(record: KeyRecord) -> bool:
    return record.key_spec in RSA_KEY_SPECS


def algorithm_for(record: KeyRecord, algorithm: Any, region: str) -> str:
    """The encryption algorithm for `record`: SYMMETRIC_DEFAULT, or an OAEP one for RSA keys.

    A key whose usage is not ENCRYPT_DECRYPT (signing, MAC, key agreement) cannot encrypt."""
    if record.key_usage != ENCRYPT:
        raise wrong_usage(key_arn(region, record.key_id), record, "this operation")
    if is_rsa(record):
        return rsa_algorithm(record.key_spec, algorithm)
    if algorithm not in (None, ALGORITHM):
        raise KmsError(
            "InvalidKeyUsageException",
            f"The encryption algorithm {algorithm} is not supported by a SYMMETRIC_DEFAULT key",
        )
    return ALGORITHM


def require_symmetric(record: KeyRecord, service: Service) -> None:
    if record.key_spec != SYMMETRIC:
        raise wrong_usage(service.arn(record), record, "this operation; use a symmetric key")


def secret_out(
    secret: bytes, recipient: VerifiedRecipient | None, field: str = "Plaintext"
) -> dict[str, str]:
    if recipient is None:
        return {field: b64(secret)}
    return {
        "CiphertextForRecipient": b64(build_ciphertext_for_recipient(recipient.public_key, secret))
    }


def apply_key(
    service: Service,
    record: KeyRecord,
    data: bytes,
    context: Mapping[str, str],
    algorithm: str,
    *,
    seal: bool,
) -> bytes:
    """Encrypt (`seal`) or decrypt `data` with a usable key (the caller has authorized)."""
    require_usable(service.region, record)
    if is_rsa(record):
        if seal and context:
            raise validation("EncryptionContext is supported only with symmetric KMS keys")
        material = service.store.material(record.key_id)
        return (rsa_encrypt if seal else rsa_decrypt)(material, algorithm, data)
    if seal:
        version, material = materials.current(service.store, record)
        return blobs.seal(material, record.key_id, data, context, version)
    old = materials.at_version(
        service.store, record.key_id, blobs.read_header(data).material_version
    )
    if old is None:
        raise invalid_ciphertext()
    return blobs.open_blob(old, data, context)


def symmetric_request(
    service: Service, body: dict[str, Any], principal: str, action: str, with_recipient: bool
) -> tuple[KeyRecord, dict[str, str], VerifiedRecipient | None]:
    """Key, encryption context and Recipient of a data-key request, authorized."""
    record = resolve(service.store, service.region, body.get("KeyId"))
    context = encryption_context(body)
    recipient = service.recipient(body) if with_recipient else None
    service.authorize(
        record, action, principal, recipient=recipient, encryption_context=context, body=body
    )
    require_symmetric(record, service)
    return record, context, recipient


def ciphertext_key(service: Service, ciphertext: bytes, named: str | None) -> KeyRecord:
    """The key a ciphertext is under: named (required for RSA) or read from our blob header."""
    wanted = resolve(service.store, service.region, named) if named is not None else None
    if wanted is not None and wanted.key_usage != ENCRYPT:
        raise wrong_usage(service.arn(wanted), wanted, "decryption")
    if wanted is not None and is_rsa(wanted):
        return wanted
    if wanted is None and not ciphertext.startswith(blobs.MAGIC):
        raise invalid_ciphertext()  # an asymmetric ciphertext needs its KeyId, as in AWS
    record = resolve(service.store, service.region, blobs.read_header(ciphertext).key_id)
    if wanted is not None and wanted.key_id != record.key_id:
        raise KmsError(
            "IncorrectKeyException",
            "The key ID in the request does not identify a CMK that can perform this operation.",
        )
    return record


def encrypt(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"))
    plaintext = blob(body, "Plaintext", required=True, limit=MAX_PLAINTEXT)
    context = encryption_context(body)
    algorithm = algorithm_for(record, body.get("EncryptionAlgorithm"), service.region)
    service.authorize(record, "kms:Encrypt", principal, encryption_context=context, body=body)
    require_usable(service.region, record)
    dry_run(body)
    return {
        "CiphertextBlob": b64(apply_key(service, record, plaintext, context, algorithm, seal=True)),
        "KeyId": service.arn(record),
        "EncryptionAlgorithm": algorithm,
    }


def ignores_ciphertext(body: dict[str, Any]) -> bool:
    """DryRun with DryRunModifiers IGNORE_CIPHERTEXT: check authorization only, so the key
    comes from KeyId (SourceKeyId) and the ciphertext is not read."""
    return body.get("DryRun") is True and "IGNORE_CIPHERTEXT" in (body.get("DryRunModifiers") or [])


def ciphertext_and_key(
    service: Service, body: dict[str, Any], key_field: str
) -> tuple[bytes, KeyRecord]:
    """The ciphertext and the key it is under (named in `key_field`, or read from the blob)."""
    if ignores_ciphertext(body):
        return b"", resolve(service.store, service.region, body.get(key_field))
    ciphertext = blob(body, "CiphertextBlob", required=True)
    return ciphertext, ciphertext_key(service, ciphertext, string(body, key_field))


def decrypt(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    context = encryption_context(body)
    ciphertext, record = ciphertext_and_key(service, body, "KeyId")
    algorithm = algorithm_for(record, body.get("EncryptionAlgorithm"), service.region)
    recipient = service.recipient(body)
    service.authorize(
        record,
        "kms:Decrypt",
        principal,
        recipient=recipient,
        encryption_context=context,
        body=body,
    )
    require_usable(service.region, record)
    dry_run(body)
    plaintext = apply_key(service, record, ciphertext, context, algorithm, seal=False)
    return {
        "KeyId": service.arn(record),
        "EncryptionAlgorithm": algorithm,
        **secret_out(plaintext, recipient),
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


def _data_key(
    service: Service, body: dict[str, Any], principal: str, action: str, with_recipient: bool
) -> tuple[dict[str, Any], bytes, VerifiedRecipient | None]:
    size = _data_key_size(body)
    record, context, recipient = symmetric_request(service, body, principal, action, with_recipient)
    require_usable(service.region, record)
    dry_run(body)
    data_key = os.urandom(size)
    sealed = apply_key(service, record, data_key, context, ALGORITHM, seal=True)
    return {"CiphertextBlob": b64(sealed), "KeyId": service.arn(record)}, data_key, recipient


def generate_data_key(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    out, data_key, recipient = _data_key(service, body, principal, "kms:GenerateDataKey", True)
    return {**out, **secret_out(data_key, recipient)}


def generate_data_key_without_plaintext(
    service: Service, body: dict[str, Any], principal: str
) -> dict[str, Any]:
    """The data key only sealed under the KMS key: for a later Decrypt (e.g. in an enclave)."""
    return _data_key(service, body, principal, "kms:GenerateDataKeyWithoutPlaintext", False)[0]


def generate_random(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    """Not a key operation: IAM alone governs it, so the local principal may always call it."""
    size = _count(body.get("NumberOfBytes"), "numberOfBytes")
    if body.get("CustomKeyStoreId") is not None:
        raise KmsError(
            "UnsupportedOperationException",
            "GenerateRandom CustomKeyStoreId: custom key stores are not supported by the "
            "nitrodeck local KMS",
        )
    recipient = service.recipient(body)
    return secret_out(os.urandom(size), recipient)
