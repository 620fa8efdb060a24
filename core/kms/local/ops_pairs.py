"""GetPublicKey, GenerateDataKeyPair(+WithoutPlaintext), ReEncrypt.

A data key pair's private key is sealed under a symmetric KMS key (with the encryption
context); with a `Recipient` it leaves only inside `CiphertextForRecipient`, never as plaintext.
ReEncrypt decrypts under the source key and encrypts under the destination inside the server,
authorized as `kms:ReEncryptFrom` on the source and `kms:ReEncryptTo` on the destination.
"""

from __future__ import annotations

from typing import Any

from core.kms.local.asymmetric import (
    ALL_PAIR_SPECS,
    DATA_KEY_PAIR_SPECS,
    generate_private_key,
    public_key_der,
)
from core.kms.local.errors import KmsError, validation
from core.kms.local.keys import resolve
from core.kms.local.ops_crypto import (
    ALGORITHM,
    algorithm_for,
    apply_key,
    ciphertext_and_key,
    secret_out,
    symmetric_request,
)
from core.kms.local.service import Service, b64, dry_run, encryption_context
from core.kms.local.specs import algorithms, is_asymmetric
from core.kms.local.states import require_usable


def get_public_key(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"))
    service.authorize(record, "kms:GetPublicKey", principal, body=body)
    require_usable(service.region, record)
    if not is_asymmetric(record.key_spec):
        raise KmsError(
            "UnsupportedOperationException",
            f"{service.arn(record)} key usage is {record.key_usage} with key spec "
            f"{record.key_spec}, which has no public key",
        )
    return {
        "KeyId": service.arn(record),
        "PublicKey": b64(public_key_der(service.store.material(record.key_id))),
        "CustomerMasterKeySpec": record.key_spec,
        "KeySpec": record.key_spec,
        "KeyUsage": record.key_usage,
        **algorithms(record),
    }


def _pair_spec(body: dict[str, Any]) -> str:
    spec = body.get("KeyPairSpec")
    if spec not in ALL_PAIR_SPECS:
        raise validation(
            f"1 validation error detected: Value '{spec}' at 'keyPairSpec' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(ALL_PAIR_SPECS)}]"
        )
    if spec not in DATA_KEY_PAIR_SPECS:
        raise KmsError(
            "UnsupportedOperationException",
            f"the nitrodeck local KMS makes RSA and ECC NIST/SECG data key pairs, not {spec}",
        )
    return str(spec)


def _pair(
    service: Service, body: dict[str, Any], principal: str, action: str, with_recipient: bool
) -> tuple[dict[str, Any], bytes, Any]:
    spec = _pair_spec(body)
    record, context, recipient = symmetric_request(service, body, principal, action, with_recipient)
    require_usable(service.region, record)
    dry_run(body)
    private = generate_private_key(spec)
    sealed = apply_key(service, record, private, context, ALGORITHM, seal=True)
    out = {
        "PrivateKeyCiphertextBlob": b64(sealed),
        "PublicKey": b64(public_key_der(private)),
        "KeyId": service.arn(record),
        "KeyPairSpec": spec,
    }
    return out, private, recipient


def generate_data_key_pair(
    service: Service, body: dict[str, Any], principal: str
) -> dict[str, Any]:
    out, private, recipient = _pair(service, body, principal, "kms:GenerateDataKeyPair", True)
    return {**out, **secret_out(private, recipient, "PrivateKeyPlaintext")}


def generate_data_key_pair_without_plaintext(
    service: Service, body: dict[str, Any], principal: str
) -> dict[str, Any]:
    """The public key, and the private key only sealed under the KMS key."""
    return _pair(service, body, principal, "kms:GenerateDataKeyPairWithoutPlaintext", False)[0]


def re_encrypt(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    source_context = encryption_context({"EncryptionContext": body.get("SourceEncryptionContext")})
    target_context = encryption_context(
        {"EncryptionContext": body.get("DestinationEncryptionContext")}
    )
    ciphertext, source = ciphertext_and_key(service, body, "SourceKeyId")
    source_algorithm = algorithm_for(source, body.get("SourceEncryptionAlgorithm"), service.region)
    target = resolve(service.store, service.region, body.get("DestinationKeyId"))
    target_algorithm = algorithm_for(
        target, body.get("DestinationEncryptionAlgorithm"), service.region
    )
    service.authorize(
        source, "kms:ReEncryptFrom", principal, encryption_context=source_context, body=body
    )
    service.authorize(
        target, "kms:ReEncryptTo", principal, encryption_context=target_context, body=body
    )
    require_usable(service.region, source)
    require_usable(service.region, target)
    dry_run(body)
    plaintext = apply_key(service, source, ciphertext, source_context, source_algorithm, seal=False)
    sealed = apply_key(service, target, plaintext, target_context, target_algorithm, seal=True)
    return {
        "CiphertextBlob": b64(sealed),
        "SourceKeyId": service.arn(source),
        "KeyId": service.arn(target),
        "SourceEncryptionAlgorithm": source_algorithm,
        "DestinationEncryptionAlgorithm": target_algorithm,
    }
