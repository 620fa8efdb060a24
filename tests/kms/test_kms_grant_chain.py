"""Issue 19, items 1 and 8, through boto3 against the local KMS: a grant-given CreateGrant is
limited as in AWS (the child grant allows the same or fewer operations, with constraints at least
as strict), so a CreateGrant grant cannot reopen a PCR0-pinned key; and a constrained grant that
allows CreateGrant can be used (its constraints are compared with the child's, not matched
against the CreateGrant request, which has no encryption context)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kms_fixtures import PROD_PCR0, KmsUnderTest, denied, recipient_for

from core.kms.demo import demo_key_policy
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN

OTHER = "arn:aws:iam::111122223333:role/other"


def pinned_key(local_kms: KmsUnderTest) -> str:
    policy = demo_key_policy(PROD_PCR0.hex(), admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    created = local_kms.admin_client().create_key(Policy=policy)
    return str(created["KeyMetadata"]["KeyId"])


def test_a_createGrant_grant_cannot_grant_itself_decrypt(local_kms: KmsUnderTest) -> None:
    """The attack: the parent holds only a grant for CreateGrant on a PCR0-pinned key."""
    admin, parent = local_kms.admin_client(), local_kms.client()
    key = pinned_key(local_kms)
    blob = parent.encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"]
    admin.create_grant(KeyId=key, GranteePrincipal=PRINCIPAL_ARN, Operations=["CreateGrant"])
    message = denied(
        lambda: parent.create_grant(
            KeyId=key, GranteePrincipal=PRINCIPAL_ARN, Operations=["Decrypt"]
        )
    )
    assert "kms:CreateGrant" in message and "same or fewer operations" in message
    assert "asked for Decrypt" in message
    assert "kms:Decrypt" in denied(lambda: parent.decrypt(CiphertextBlob=blob))
    # what the grant does allow: passing on CreateGrant itself, which reaches no plaintext
    parent.create_grant(KeyId=key, GranteePrincipal=OTHER, Operations=["CreateGrant"])
    # the attested path still works: the pin is what it was
    _, field = recipient_for(local_kms, PROD_PCR0)
    attested = parent.decrypt(CiphertextBlob=blob, Recipient=field)
    assert attested["CiphertextForRecipient"] and "Plaintext" not in attested


def test_a_grant_given_createGrant_passes_on_a_subset(local_kms: KmsUnderTest) -> None:
    admin, parent = local_kms.admin_client(), local_kms.client()
    key = pinned_key(local_kms)
    admin.create_grant(
        KeyId=key, GranteePrincipal=PRINCIPAL_ARN, Operations=["CreateGrant", "Encrypt"]
    )
    parent.create_grant(KeyId=key, GranteePrincipal=OTHER, Operations=["Encrypt"])
    denied(
        lambda: parent.create_grant(
            KeyId=key, GranteePrincipal=OTHER, Operations=["Encrypt", "ReEncryptFrom"]
        )
    )


CONSTRAINED = {"EncryptionContextSubset": {"app": "x"}}


@pytest.mark.parametrize(
    ("child", "allowed"),
    [
        ({"EncryptionContextSubset": {"app": "x"}}, True),
        ({"EncryptionContextSubset": {"app": "x", "team": "y"}}, True),
        ({"EncryptionContextEquals": {"app": "x"}}, True),
        ({"EncryptionContextEquals": {"app": "x", "team": "y"}}, True),
        (None, False),
        ({"EncryptionContextSubset": {"team": "y"}}, False),
        ({"EncryptionContextEquals": {"app": "z"}}, False),
    ],
)
def test_a_constrained_createGrant_grant_works_for_stricter_children(
    local_kms: KmsUnderTest, child: dict[str, Any] | None, allowed: bool
) -> None:
    """Item 8: the parent grant's constraints bind the child grant, not the CreateGrant call."""
    admin, parent = local_kms.admin_client(), local_kms.client()
    key = pinned_key(local_kms)
    admin.create_grant(
        KeyId=key,
        GranteePrincipal=PRINCIPAL_ARN,
        Operations=["CreateGrant", "Encrypt"],
        Constraints=CONSTRAINED,
    )
    request: dict[str, Any] = {"KeyId": key, "GranteePrincipal": OTHER, "Operations": ["Encrypt"]}
    if child is not None:
        request["Constraints"] = child
    if allowed:
        assert parent.create_grant(**request)["GrantId"]
    else:
        assert "at least as strict" in denied(lambda: parent.create_grant(**request))


def test_an_equals_constraint_cannot_become_a_subset(local_kms: KmsUnderTest) -> None:
    admin, parent = local_kms.admin_client(), local_kms.client()
    key = pinned_key(local_kms)
    equals = {"EncryptionContextEquals": {"app": "x"}}
    admin.create_grant(
        KeyId=key, GranteePrincipal=PRINCIPAL_ARN, Operations=["CreateGrant"], Constraints=equals
    )
    parent.create_grant(
        KeyId=key, GranteePrincipal=OTHER, Operations=["CreateGrant"], Constraints=equals
    )
    denied(
        lambda: parent.create_grant(
            KeyId=key,
            GranteePrincipal=OTHER,
            Operations=["CreateGrant"],
            Constraints={"EncryptionContextSubset": {"app": "x"}},
        )
    )


def test_constraints_do_not_apply_to_describe_key_and_retire_grant(
    local_kms: KmsUnderTest,
) -> None:
    """AWS: a constrained grant's DescribeKey and RetireGrant ignore the constraint."""
    admin, parent = local_kms.admin_client(), local_kms.client()
    admin_only = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ADMIN_PRINCIPAL_ARN},
                "Action": "kms:*",
                "Resource": "*",
            }
        ]
    }
    key = admin.create_key(Policy=json.dumps(admin_only))["KeyMetadata"]["KeyId"]
    denied(lambda: parent.describe_key(KeyId=key))
    grant = admin.create_grant(
        KeyId=key,
        GranteePrincipal=PRINCIPAL_ARN,
        Operations=["RetireGrant", "DescribeKey"],
        Constraints=CONSTRAINED,
    )
    assert parent.describe_key(KeyId=key)["KeyMetadata"]["KeyId"] == key
    parent.retire_grant(KeyId=key, GrantId=grant["GrantId"])
    denied(lambda: parent.describe_key(KeyId=key))
