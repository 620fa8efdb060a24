"""Requests checked against botocore's KMS model; Limit ranges and defaults; DryRun acts not."""

from __future__ import annotations

from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from kms_fixtures import KmsUnderTest, call

from core.kms.local import model
from core.kms.local.credentials import PRINCIPAL_ARN
from core.kms.local.server import OPERATIONS


def _error(kms: KmsUnderTest, operation: str, **body: object) -> tuple[str, str]:
    status, answer = call(kms, operation, **body)
    assert status >= 400, answer
    return answer["__type"], answer["message"]


def test_missing_members_are_all_named_in_aws_form(local_kms: KmsUnderTest) -> None:
    assert _error(local_kms, "Encrypt") == (
        "ValidationException",
        "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: "
        "Member must not be null; Value null at 'plaintext' failed to satisfy constraint: "
        "Member must not be null",
    )


def test_enum_length_and_nested_paths(local_kms: KmsUnderTest) -> None:
    code, text = _error(local_kms, "CreateKey", KeySpec="RSA_1024", Description="x" * 8193)
    assert code == "ValidationException" and text.startswith("2 validation errors detected: ")
    assert (
        "Value 'RSA_1024' at 'keySpec' failed to satisfy constraint: Member must satisfy " in text
    )
    assert (
        "at 'description' failed to satisfy constraint: Member must have length less than " in text
    )
    code, text = _error(local_kms, "TagResource", KeyId="k", Tags=[{"TagKey": "a"}])
    assert text == (
        "1 validation error detected: Value null at 'tags.1.member.tagValue' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_blob_values_are_not_echoed(local_kms: KmsUnderTest) -> None:
    code, text = _error(local_kms, "Encrypt", KeyId="k", Plaintext="A" * 5464)
    assert code == "ValidationException"
    assert text == (
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096"
    )


def test_wrong_json_type_is_serialization(local_kms: KmsUnderTest) -> None:
    assert _error(local_kms, "ListKeys", Limit="10")[0] == "SerializationException"
    assert _error(local_kms, "GenerateRandom", NumberOfBytes=True)[0] == "SerializationException"


def test_unimplemented_operations_validate_then_say_unsupported(local_kms: KmsUnderTest) -> None:
    code, text = _error(local_kms, "CreateCustomKeyStore")
    assert code == "ValidationException" and "'customKeyStoreName'" in text
    code, text = _error(local_kms, "CreateCustomKeyStore", CustomKeyStoreName="s")
    assert code == "UnsupportedOperationException" and text.startswith("CreateCustomKeyStore ")
    code, text = _error(local_kms, "ReplicateKey", KeyId="k", ReplicaRegion="us-west-2")
    assert code == "UnsupportedOperationException" and "multi-Region" in text


@pytest.mark.parametrize(
    ("operation", "most"),
    [
        ("ListAliases", 100),
        ("ListGrants", 100),
        ("ListRetirableGrants", 100),
        ("ListResourceTags", 50),
        ("ListKeys", 1000),
    ],
)
def test_limit_ranges_as_documented(local_kms: KmsUnderTest, operation: str, most: int) -> None:
    key = local_kms.client().create_key()["KeyMetadata"]["KeyId"]
    extra = {"KeyId": key, "RetiringPrincipal": PRINCIPAL_ARN}
    status, _ = call(local_kms, operation, Limit=most, **extra)
    assert status == 200
    assert _error(local_kms, operation, Limit=most + 1, **extra) == (
        "ValidationException",
        f"1 validation error detected: Value '{most + 1}' at 'limit' failed to satisfy "
        f"constraint: Member must have value less than or equal to {most}",
    )
    assert _error(local_kms, operation, Limit=0, **extra)[0] == "ValidationException"


def test_default_page_of_aliases_and_grants_is_50(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    for n in range(56):
        kms.create_alias(AliasName=f"alias/a{n:02}", TargetKeyId=key)
        kms.create_grant(KeyId=key, GranteePrincipal=PRINCIPAL_ARN, Operations=["Decrypt"])
    first = kms.list_aliases(KeyId=key)
    assert len(first["Aliases"]) == 50 and first["Truncated"]
    rest = kms.list_aliases(KeyId=key, Marker=first["NextMarker"])
    assert len(rest["Aliases"]) == 6 and not rest["Truncated"]
    grants = kms.list_grants(KeyId=key)
    assert len(grants["Grants"]) == 50 and grants["Truncated"]
    every = [a for p in kms.get_paginator("list_aliases").paginate() for a in p["Aliases"]]
    assert sum(1 for a in every if a.get("TargetKeyId") == key) == 56


def _dry(fn: object, **kwargs: object) -> None:
    with pytest.raises(ClientError) as raised:
        fn(DryRun=True, **kwargs)  # type: ignore[operator]
    assert raised.value.response["Error"]["Code"] == "DryRunOperationException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412


def test_dry_run_grants_change_nothing(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    grant = {"KeyId": key, "GranteePrincipal": PRINCIPAL_ARN, "Operations": ["Decrypt"]}
    _dry(kms.create_grant, **grant)
    assert kms.list_grants(KeyId=key)["Grants"] == []
    made = kms.create_grant(RetiringPrincipal=PRINCIPAL_ARN, **grant)
    _dry(kms.revoke_grant, KeyId=key, GrantId=made["GrantId"])
    _dry(kms.retire_grant, GrantToken=made["GrantToken"])
    _dry(kms.retire_grant, KeyId=key, GrantId=made["GrantId"])
    assert [g["GrantId"] for g in kms.list_grants(KeyId=key)["Grants"]] == [made["GrantId"]]


def test_dry_run_crypto_still_checks_first(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"]
    _dry(kms.encrypt, KeyId=key, Plaintext=b"x")
    _dry(kms.decrypt, CiphertextBlob=blob)
    _dry(kms.generate_data_key, KeyId=key, KeySpec="AES_256")
    _dry(kms.generate_data_key_without_plaintext, KeyId=key, NumberOfBytes=16)
    _dry(kms.generate_data_key_pair, KeyId=key, KeyPairSpec="ECC_NIST_P256")
    _dry(kms.re_encrypt, CiphertextBlob=blob, DestinationKeyId=key)
    kms.disable_key(KeyId=key)
    with pytest.raises(kms.exceptions.DisabledException):
        kms.encrypt(KeyId=key, Plaintext=b"x", DryRun=True)
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.encrypt(KeyId="alias/none", Plaintext=b"x", DryRun=True)


def _dry_run_requests(kms: Any) -> dict[str, dict[str, Any]]:
    """A valid request for every implemented operation that takes DryRun."""
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    signer = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    agree = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    mac = kms.create_key(KeySpec="HMAC_256")["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    grant, other = (
        kms.create_grant(
            KeyId=key,
            GranteePrincipal=PRINCIPAL_ARN,
            RetiringPrincipal=PRINCIPAL_ARN,
            Operations=["Decrypt"],
        )
        for _ in range(2)
    )
    sig = kms.sign(KeyId=signer["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    tag = kms.generate_mac(KeyId=mac, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    peer = kms.get_public_key(KeyId=agree["KeyId"])["PublicKey"]
    return {
        "CreateGrant": {"KeyId": key, "GranteePrincipal": PRINCIPAL_ARN, "Operations": ["Encrypt"]},
        "Decrypt": {"CiphertextBlob": blob},
        "DeriveSharedSecret": {
            "KeyId": agree["KeyId"],
            "KeyAgreementAlgorithm": "ECDH",
            "PublicKey": peer,
        },
        "Encrypt": {"KeyId": key, "Plaintext": b"x"},
        "GenerateDataKey": {"KeyId": key, "NumberOfBytes": 32},
        "GenerateDataKeyPair": {"KeyId": key, "KeyPairSpec": "RSA_2048"},
        "GenerateDataKeyPairWithoutPlaintext": {"KeyId": key, "KeyPairSpec": "ECC_NIST_P256"},
        "GenerateDataKeyWithoutPlaintext": {"KeyId": key, "KeySpec": "AES_128"},
        "GenerateMac": {"KeyId": mac, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"},
        "ReEncrypt": {"CiphertextBlob": blob, "DestinationKeyId": key},
        "RetireGrant": {"GrantToken": grant["GrantToken"]},
        "RevokeGrant": {"KeyId": key, "GrantId": other["GrantId"]},
        "Sign": {"KeyId": signer["KeyId"], "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"},
        "Verify": {
            "KeyId": signer["KeyId"],
            "Message": b"m",
            "Signature": sig["Signature"],
            "SigningAlgorithm": "ECDSA_SHA_256",
        },
        "VerifyMac": {"KeyId": mac, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256", "Mac": tag},
    }


def test_every_implemented_operation_with_dry_run_honours_it(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    requests = _dry_run_requests(kms)
    implemented = {name for name in OPERATIONS if model.takes(name, "DryRun")}
    assert implemented == set(requests)
    for name, request in requests.items():
        method = getattr(kms, xform_name(name))
        _dry(method, **request)
        method(**request)  # the same request without DryRun succeeds


def test_dry_run_ignoring_the_ciphertext_checks_authorization_only(
    local_kms: KmsUnderTest,
) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    ignore = {"DryRun": True, "DryRunModifiers": ["IGNORE_CIPHERTEXT"]}
    _dry(
        kms.decrypt,
        KeyId=key,
        CiphertextBlob=b"not a ciphertext",
        DryRunModifiers=ignore["DryRunModifiers"],
    )
    _dry(
        kms.re_encrypt,
        SourceKeyId=key,
        DestinationKeyId=key,
        CiphertextBlob=b"not a ciphertext",
        DryRunModifiers=ignore["DryRunModifiers"],
    )
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        kms.decrypt(KeyId=key, CiphertextBlob=b"not a ciphertext", DryRun=True)
    admin = local_kms.server.admin_credentials
    owner = local_kms.client(admin.secret_access_key, admin.access_key_id)
    policy = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": '
        '"arn:aws:iam::111122223333:user/nitrodeck-admin"}, "Action": "kms:*", "Resource": "*"}]}'
    )
    locked = owner.create_key(Policy=policy)["KeyMetadata"]["KeyId"]
    with pytest.raises(kms.exceptions.ClientError) as denied:
        kms.decrypt(KeyId=locked, CiphertextBlob=b"x", **ignore)
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_parameters_are_honoured_or_refused(local_kms: KmsUnderTest) -> None:
    kms, west = local_kms.client(), local_kms.client(region="us-west-2")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.list_keys(ResourceOwners=["OTHER_ACCOUNTS_VIA_RAM"])["Keys"] == []
    assert len(kms.list_keys(ResourceOwners=["SELF"])["Keys"]) == 1
    with pytest.raises(kms.exceptions.UnsupportedOperationException):
        kms.create_grant(
            KeyId=key,
            GranteeServicePrincipal="logs.amazonaws.com",
            Operations=["Decrypt"],
            GranteePrincipal=PRINCIPAL_ARN,
        )
    kms.create_grant(
        KeyId=key,
        GranteePrincipal=PRINCIPAL_ARN,
        RetiringPrincipal=PRINCIPAL_ARN,
        Operations=["Decrypt"],
    )
    assert len(kms.list_retirable_grants(RetiringPrincipal=PRINCIPAL_ARN)["Grants"]) == 1
    assert west.list_retirable_grants(RetiringPrincipal=PRINCIPAL_ARN)["Grants"] == []
    assert kms.list_grants(KeyId=key, GranteeServicePrincipal="logs.amazonaws.com")["Grants"] == []
