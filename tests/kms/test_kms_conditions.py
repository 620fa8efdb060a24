"""Key policy conditions of the new operations: kms:SigningAlgorithm, kms:MessageType,
kms:MacAlgorithm, kms:RotationPeriodInDays (numeric) and the attestation keys on
DeriveSharedSecret."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from kms_fixtures import PROD_PCR0, KmsUnderTest, recipient_for

from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN


def _policy(action: str, condition: dict[str, Any]) -> str:
    admin = {"Effect": "Allow", "Principal": {"AWS": ADMIN_PRINCIPAL_ARN}, "Action": "kms:*"}
    user = {"Effect": "Allow", "Principal": {"AWS": PRINCIPAL_ARN}, "Action": action}
    user["Condition"] = condition
    statements = [{**admin, "Resource": "*"}, {**user, "Resource": "*"}]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _clients(local_kms: KmsUnderTest) -> tuple[Any, Any]:
    admin = local_kms.server.admin_credentials
    return local_kms.client(admin.secret_access_key, admin.access_key_id), local_kms.client()


def _denied(call: Any, **kwargs: Any) -> bool:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return bool(raised.value.response["Error"]["Code"] == "AccessDeniedException")


def test_signing_conditions(local_kms: KmsUnderTest) -> None:
    admin, user = _clients(local_kms)
    condition = {
        "StringEquals": {"kms:SigningAlgorithm": "ECDSA_SHA_256", "kms:MessageType": "DIGEST"}
    }
    key = admin.create_key(
        KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Policy=_policy("kms:Sign", condition)
    )["KeyMetadata"]["KeyId"]
    digest = hashlib.sha256(b"m").digest()
    user.sign(KeyId=key, Message=digest, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256")
    assert _denied(user.sign, KeyId=key, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")


def test_mac_and_rotation_period_conditions(local_kms: KmsUnderTest) -> None:
    admin, user = _clients(local_kms)
    mac_policy = _policy("kms:GenerateMac", {"StringEquals": {"kms:MacAlgorithm": "HMAC_SHA_384"}})
    mac_key = admin.create_key(KeySpec="HMAC_256", Policy=mac_policy)["KeyMetadata"]["KeyId"]
    assert _denied(user.generate_mac, KeyId=mac_key, Message=b"m", MacAlgorithm="HMAC_SHA_256")
    period = {"NumericLessThanEquals": {"kms:RotationPeriodInDays": "180"}}
    key = admin.create_key(Policy=_policy("kms:EnableKeyRotation", period))["KeyMetadata"]["KeyId"]
    user.enable_key_rotation(KeyId=key, RotationPeriodInDays=180)
    assert _denied(user.enable_key_rotation, KeyId=key, RotationPeriodInDays=181)
    assert _denied(user.enable_key_rotation, KeyId=key)  # the default, 365 days


def test_derive_shared_secret_under_attestation(local_kms: KmsUnderTest) -> None:
    admin, user = _clients(local_kms)
    condition = {
        "StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": PROD_PCR0.hex()}
    }
    key = admin.create_key(
        KeySpec="ECC_NIST_P256",
        KeyUsage="KEY_AGREEMENT",
        Policy=_policy("kms:DeriveSharedSecret", condition),
    )["KeyMetadata"]["KeyId"]
    peer = ec.generate_private_key(ec.SECP256R1()).public_key()
    spki = peer.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    request = {"KeyId": key, "KeyAgreementAlgorithm": "ECDH", "PublicKey": spki}
    assert _denied(user.derive_shared_secret, **request)
    _, other = recipient_for(local_kms, bytes([7]) * 48)
    assert _denied(user.derive_shared_secret, Recipient=other, **request)
    enclave, recipient = recipient_for(local_kms, PROD_PCR0)
    out = user.derive_shared_secret(Recipient=recipient, **request)
    assert len(enclave.decrypt(out["CiphertextForRecipient"])) == 32
