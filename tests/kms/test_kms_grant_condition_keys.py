"""Issue 19 (verification): a key policy that lets the parent call CreateGrant only for some
grants, by AWS's CreateGrant condition keys (`kms:GrantOperations`, `kms:GranteePrincipal`,
`kms:RetiringPrincipal`, `kms:GrantConstraintType`), must hold in the local KMS as it does in
AWS. Were the keys missing from the request, `ForAllValues:` would hold on nothing and the
parent could grant itself Decrypt around the PCR0 pin."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kms_fixtures import PROD_PCR0, KmsUnderTest, denied

from core.kms.demo import demo_key_policy
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN

SERVICE_ROLE = "arn:aws:iam::111122223333:role/batch-encryptor"


def key_with(local_kms: KmsUnderTest, condition: dict[str, Any]) -> str:
    """The demo's PCR0-pinned key, plus a CreateGrant for the parent under `condition`."""
    policy = json.loads(
        demo_key_policy(PROD_PCR0.hex(), admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    )
    policy["Statement"].append(
        {
            "Sid": "ParentGrantsSome",
            "Effect": "Allow",
            "Principal": {"AWS": PRINCIPAL_ARN},
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": condition,
        }
    )
    created = local_kms.admin_client().create_key(Policy=json.dumps(policy))
    return str(created["KeyMetadata"]["KeyId"])


def test_grant_operations_limit_what_the_parent_may_grant(local_kms: KmsUnderTest) -> None:
    """The attack: only Encrypt-side grants are allowed; the parent asks for Decrypt."""
    only_encrypt = {
        "ForAllValues:StringEquals": {
            "kms:GrantOperations": ["Encrypt", "GenerateDataKeyWithoutPlaintext"]
        }
    }
    key = key_with(local_kms, only_encrypt)
    parent = local_kms.client()
    blob = parent.encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"]
    message = denied(
        lambda: parent.create_grant(
            KeyId=key, GranteePrincipal=PRINCIPAL_ARN, Operations=["Encrypt", "Decrypt"]
        )
    )
    assert "kms:CreateGrant" in message
    assert "kms:Decrypt" in denied(lambda: parent.decrypt(CiphertextBlob=blob))
    parent.create_grant(KeyId=key, GranteePrincipal=SERVICE_ROLE, Operations=["Encrypt"])


@pytest.mark.parametrize(
    ("condition", "grantee", "extra", "allowed"),
    [
        ({"StringEquals": {"kms:GranteePrincipal": SERVICE_ROLE}}, SERVICE_ROLE, {}, True),
        ({"StringEquals": {"kms:GranteePrincipal": SERVICE_ROLE}}, PRINCIPAL_ARN, {}, False),
        (
            {"StringEquals": {"kms:RetiringPrincipal": ADMIN_PRINCIPAL_ARN}},
            SERVICE_ROLE,
            {"RetiringPrincipal": ADMIN_PRINCIPAL_ARN},
            True,
        ),
        ({"StringEquals": {"kms:RetiringPrincipal": ADMIN_PRINCIPAL_ARN}}, SERVICE_ROLE, {}, False),
        (
            {"StringEquals": {"kms:GrantConstraintType": "EncryptionContextEquals"}},
            SERVICE_ROLE,
            {"Constraints": {"EncryptionContextEquals": {"app": "x"}}},
            True,
        ),
        (
            {"StringEquals": {"kms:GrantConstraintType": "EncryptionContextEquals"}},
            SERVICE_ROLE,
            {},
            False,
        ),
    ],
)
def test_the_other_createGrant_condition_keys_hold(
    local_kms: KmsUnderTest,
    condition: dict[str, Any],
    grantee: str,
    extra: dict[str, Any],
    allowed: bool,
) -> None:
    key = key_with(local_kms, condition)
    parent = local_kms.client()

    def create() -> object:
        return parent.create_grant(
            KeyId=key, GranteePrincipal=grantee, Operations=["Encrypt"], **extra
        )

    if allowed:
        assert create()["GrantId"]
    else:
        denied(create)
