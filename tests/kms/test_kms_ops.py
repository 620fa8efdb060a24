"""boto3 against the local KMS: ReEncrypt, GenerateDataKeyWithoutPlaintext, tags, aliases,
descriptions, ListKeyPolicies, AWS's identifier rules, and that all of it survives a restart."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from kms_fixtures import KmsUnderTest, restarted

ACCOUNT = "111122223333"


def _error(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def test_generate_data_key_without_plaintext_decrypts_later(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]
    out = kms.generate_data_key_without_plaintext(
        KeyId=key["KeyId"], KeySpec="AES_128", EncryptionContext={"app": "a"}
    )
    assert "Plaintext" not in out and out["KeyId"] == key["Arn"]
    plain = kms.decrypt(CiphertextBlob=out["CiphertextBlob"], EncryptionContext={"app": "a"})
    assert len(plain["Plaintext"]) == 16


def test_re_encrypt_moves_ciphertext_between_keys_and_contexts(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    source, target = (kms.create_key()["KeyMetadata"] for _ in range(2))
    blob = kms.encrypt(KeyId=source["KeyId"], Plaintext=b"moving", EncryptionContext={"v": "1"})[
        "CiphertextBlob"
    ]
    out = kms.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext={"v": "1"},
        DestinationKeyId=target["KeyId"],
        DestinationEncryptionContext={"v": "2"},
    )
    assert out["SourceKeyId"] == source["Arn"] and out["KeyId"] == target["Arn"]
    assert out["SourceEncryptionAlgorithm"] == out["DestinationEncryptionAlgorithm"]
    moved = out["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=moved, EncryptionContext={"v": "2"})["Plaintext"] == b"moving"
    code, _ = _error(lambda: kms.decrypt(CiphertextBlob=moved, EncryptionContext={"v": "1"}))
    assert code == "InvalidCiphertextException"
    code, _ = _error(
        lambda: kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=target["KeyId"])
    )  # the source context is missing
    assert code == "InvalidCiphertextException"
    code, _ = _error(
        lambda: kms.re_encrypt(
            CiphertextBlob=blob,
            SourceKeyId=target["KeyId"],
            SourceEncryptionContext={"v": "1"},
            DestinationKeyId=target["KeyId"],
        )
    )
    assert code == "IncorrectKeyException"


def test_re_encrypt_is_authorized_on_both_keys(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    source = kms.create_key()["KeyMetadata"]["KeyId"]
    target = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=source, Plaintext=b"x")["CiphertextBlob"]
    policy = json.loads(kms.get_key_policy(KeyId=target)["Policy"])
    policy["Statement"].append(
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "kms:ReEncrypt*",
            "Resource": "*",
        }
    )
    kms.put_key_policy(KeyId=target, Policy=json.dumps(policy))
    code, message = _error(lambda: kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=target))
    assert code == "AccessDeniedException"
    assert "kms:ReEncryptTo" in message and "explicit deny" in message


def test_tags(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.tag_resource(
        KeyId=key, Tags=[{"TagKey": "team", "TagValue": "a"}, {"TagKey": "env", "TagValue": "x"}]
    )
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "team", "TagValue": "b"}])
    kms.untag_resource(KeyId=key, TagKeys=["env", "absent"])
    assert kms.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "team", "TagValue": "b"}]
    code, _ = _error(
        lambda: kms.tag_resource(KeyId=key, Tags=[{"TagKey": "aws:x", "TagValue": "v"}])
    )
    assert code == "TagException"


def test_update_and_delete_alias(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    first, second = (kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(2))
    kms.create_alias(AliasName="alias/app", TargetKeyId=first)
    kms.update_alias(AliasName="alias/app", TargetKeyId=second)
    assert kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"] == second
    code, _ = _error(lambda: kms.update_alias(AliasName="alias/app", TargetKeyId="alias/app"))
    assert code == "NotFoundException"
    kms.delete_alias(AliasName="alias/app")
    assert [a for a in kms.list_aliases()["Aliases"] if "TargetKeyId" in a] == []
    assert _error(lambda: kms.delete_alias(AliasName="alias/app")) == (
        "NotFoundException",
        f"Alias arn:aws:kms:us-east-1:{ACCOUNT}:alias/app is not found.",
    )


def test_description_and_policy_names(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key(Description="old")["KeyMetadata"]["KeyId"]
    kms.update_key_description(KeyId=key, Description="new")
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["Description"] == "new"
    names = kms.list_key_policies(KeyId=key)
    assert names["PolicyNames"] == ["default"] and names["Truncated"] is False


KEY_ID_OR_ARN_ONLY: dict[str, Callable[[Any, str], Any]] = {
    "GetKeyPolicy": lambda kms, ref: kms.get_key_policy(KeyId=ref),
    "PutKeyPolicy": lambda kms, ref: kms.put_key_policy(KeyId=ref, Policy="{}"),
    "ListKeyPolicies": lambda kms, ref: kms.list_key_policies(KeyId=ref),
    "CreateAlias": lambda kms, ref: kms.create_alias(AliasName="alias/other", TargetKeyId=ref),
    "TagResource": lambda kms, ref: kms.tag_resource(KeyId=ref, Tags=[]),
    "UntagResource": lambda kms, ref: kms.untag_resource(KeyId=ref, TagKeys=[]),
    "ListResourceTags": lambda kms, ref: kms.list_resource_tags(KeyId=ref),
    "UpdateKeyDescription": lambda kms, ref: kms.update_key_description(KeyId=ref, Description=""),
    "EnableKey": lambda kms, ref: kms.enable_key(KeyId=ref),
    "ScheduleKeyDeletion": lambda kms, ref: kms.schedule_key_deletion(KeyId=ref),
    "CreateGrant": lambda kms, ref: kms.create_grant(
        KeyId=ref, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:root", Operations=["Decrypt"]
    ),
    "ListGrants": lambda kms, ref: kms.list_grants(KeyId=ref),
    "ListAliases": lambda kms, ref: kms.list_aliases(KeyId=ref),
}


@pytest.mark.parametrize("operation", sorted(KEY_ID_OR_ARN_ONLY))
def test_management_operations_refuse_an_alias(local_kms: KmsUnderTest, operation: str) -> None:
    """AWS's model: these take a key ID or key ARN only; an alias is NotFoundException."""
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=key)
    assert _error(lambda: KEY_ID_OR_ARN_ONLY[operation](kms, "alias/app")) == (
        "NotFoundException",
        "Invalid keyId alias/app",
    )


def test_create_key_with_unknown_spec_is_a_validation_error(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    code, _ = _error(lambda: kms.create_key(KeySpec="RSA_1024", KeyUsage="ENCRYPT_DECRYPT"))
    assert code == "ValidationException"
    code, _ = _error(lambda: kms.create_key(KeySpec="ML_DSA_44", KeyUsage="SIGN_VERIFY"))
    assert code == "UnsupportedOperationException"  # a real spec this KMS does not make


def test_everything_survives_a_restart(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key(Description="d")["KeyMetadata"]["KeyId"]
    rsa_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    public = kms.get_public_key(KeyId=rsa_key)["PublicKey"]
    kms.create_alias(AliasName="alias/one", TargetKeyId=key)
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "t", "TagValue": "v"}])
    grant = kms.create_grant(
        KeyId=key, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:role/r", Operations=["Decrypt"]
    )
    pair = kms.generate_data_key_pair_without_plaintext(KeyId=key, KeyPairSpec="ECC_NIST_P384")
    again = restarted(local_kms)
    try:
        kms = again.client()
        assert kms.get_public_key(KeyId=rsa_key)["PublicKey"] == public
        assert kms.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "t", "TagValue": "v"}]
        assert kms.list_grants(KeyId=key)["Grants"][0]["GrantId"] == grant["GrantId"]
        assert kms.describe_key(KeyId="alias/one")["KeyMetadata"]["Description"] == "d"
        private = kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])["Plaintext"]
        assert len(private) > 100
    finally:
        again.server.close()
