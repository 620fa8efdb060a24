"""Grants through boto3: they authorize what the key policy does not, within their constraints,
until retired or revoked; an explicit Deny in the key policy still wins."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from kms_fixtures import KmsUnderTest, denied

ROOT = "arn:aws:iam::111122223333:root"


def _key_without_decrypt(kms: Any, deny: bool = False) -> str:
    statements: list[dict[str, Any]] = [
        {"Effect": "Allow", "Principal": {"AWS": ROOT}, "NotAction": "kms:Decrypt", "Resource": "*"}
    ]
    if deny:
        statements.append(
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}
        )
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements})
    return str(kms.create_key(Policy=policy)["KeyMetadata"]["KeyId"])


def test_grant_allows_decrypt_within_its_constraints(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    me = local_kms.server.credentials.principal
    key = _key_without_decrypt(kms)
    mine = kms.encrypt(KeyId=key, Plaintext=b"a", EncryptionContext={"app": "x"})["CiphertextBlob"]
    other = kms.encrypt(KeyId=key, Plaintext=b"b", EncryptionContext={"app": "y"})["CiphertextBlob"]
    denied(lambda: kms.decrypt(CiphertextBlob=mine, EncryptionContext={"app": "x"}))
    request: dict[str, Any] = {
        "KeyId": key,
        "GranteePrincipal": me,
        "RetiringPrincipal": me,
        "Operations": ["Decrypt"],
        "Constraints": {"EncryptionContextSubset": {"app": "x"}},
        "Name": "app-x",
    }
    grant = kms.create_grant(**request)
    assert len(grant["GrantId"]) == 64 and grant["GrantToken"]
    decrypted = kms.decrypt(
        CiphertextBlob=mine, EncryptionContext={"app": "x"}, GrantTokens=[grant["GrantToken"]]
    )
    assert decrypted["Plaintext"] == b"a"
    denied(lambda: kms.decrypt(CiphertextBlob=other, EncryptionContext={"app": "y"}))
    (listed,) = kms.list_grants(KeyId=key)["Grants"]
    assert listed["GrantId"] == grant["GrantId"] and listed["Operations"] == ["Decrypt"]
    assert listed["Constraints"] == {"EncryptionContextSubset": {"app": "x"}}
    assert "GrantToken" not in listed and "Token" not in listed
    retirable = kms.list_retirable_grants(RetiringPrincipal=me)["Grants"]
    assert [g["GrantId"] for g in retirable] == [grant["GrantId"]]
    again = kms.create_grant(**request)
    assert again["GrantId"] == grant["GrantId"]  # same name and grant: not made twice
    kms.retire_grant(GrantToken=grant["GrantToken"])
    assert kms.list_grants(KeyId=key)["Grants"] == []
    denied(lambda: kms.decrypt(CiphertextBlob=mine, EncryptionContext={"app": "x"}))


def test_revoke_and_equals_constraint(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    me = local_kms.server.credentials.principal
    key = _key_without_decrypt(kms)
    exact = kms.encrypt(KeyId=key, Plaintext=b"a", EncryptionContext={"k": "v"})["CiphertextBlob"]
    grant = kms.create_grant(
        KeyId=key,
        GranteePrincipal=me,
        Operations=["Decrypt", "GenerateDataKey"],
        Constraints={"EncryptionContextEquals": {"k": "v"}},
    )
    assert kms.decrypt(CiphertextBlob=exact, EncryptionContext={"k": "v"})["Plaintext"] == b"a"
    kms.revoke_grant(KeyId=key, GrantId=grant["GrantId"])
    denied(lambda: kms.decrypt(CiphertextBlob=exact, EncryptionContext={"k": "v"}))
    with pytest.raises(ClientError) as caught:
        kms.revoke_grant(KeyId=key, GrantId=grant["GrantId"])
    assert caught.value.response["Error"]["Code"] == "NotFoundException"


def test_explicit_deny_beats_a_grant(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    me = local_kms.server.credentials.principal
    key = _key_without_decrypt(kms, deny=True)
    blob = kms.encrypt(KeyId=key, Plaintext=b"a")["CiphertextBlob"]
    kms.create_grant(KeyId=key, GranteePrincipal=me, Operations=["Decrypt"])
    assert "explicit deny" in denied(lambda: kms.decrypt(CiphertextBlob=blob))


def test_grant_for_another_principal_neither_helps_nor_may_be_retired(
    local_kms: KmsUnderTest,
) -> None:
    kms = local_kms.client()
    blob = kms.encrypt(KeyId=(key := _key_without_decrypt(kms)), Plaintext=b"a")["CiphertextBlob"]
    grant = kms.create_grant(
        KeyId=key, GranteePrincipal="arn:aws:iam::111122223333:role/other", Operations=["Decrypt"]
    )
    denied(lambda: kms.decrypt(CiphertextBlob=blob))
    denied(lambda: kms.retire_grant(KeyId=key, GrantId=grant["GrantId"]))
    with pytest.raises(ClientError) as caught:
        kms.create_grant(KeyId=key, GranteePrincipal=ROOT, Operations=["Fly"])
    assert caught.value.response["Error"]["Code"] == "ValidationException"
