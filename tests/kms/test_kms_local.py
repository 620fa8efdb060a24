"""boto3 against the in-process local KMS: every operation, errors in KMS's shapes, persistence."""

from __future__ import annotations

import base64
import json
import stat
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from kms_fixtures import PROD_PCR0, KmsUnderTest, recipient_for

from core.errors import NitrodeckError
from core.home import Home
from core.kms.local.server import LocalKms
from core.kms.local.store import KmsStore

ACCOUNT = "111122223333"


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def _message(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Message"])


def test_key_lifecycle(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    meta = kms.create_key(Description="app key")["KeyMetadata"]
    assert meta["Arn"] == f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{meta['KeyId']}"
    assert meta["KeySpec"] == "SYMMETRIC_DEFAULT" and meta["Enabled"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=meta["KeyId"])
    for ref in (
        meta["KeyId"],
        meta["Arn"],
        "alias/app",
        f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/app",
    ):
        assert kms.describe_key(KeyId=ref)["KeyMetadata"]["KeyId"] == meta["KeyId"]
    assert [k["KeyId"] for k in kms.list_keys()["Keys"]] == [meta["KeyId"]]
    (alias,) = kms.list_aliases(KeyId=meta["KeyId"])["Aliases"]
    assert alias["AliasName"] == "alias/app" and alias["TargetKeyId"] == meta["KeyId"]
    policy = json.loads(kms.get_key_policy(KeyId=meta["Arn"], PolicyName="default")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert policy["Statement"][0]["Action"] == "kms:*"
    with pytest.raises(ClientError) as taken:
        kms.create_alias(AliasName="alias/app", TargetKeyId=meta["KeyId"])
    assert _code(taken) == "AlreadyExistsException"


def test_list_keys_pages(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    made = {kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(5)}
    first = kms.list_keys(Limit=2)
    assert first["Truncated"] and len(first["Keys"]) == 2
    seen = {
        k["KeyId"]
        for page in kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 2})
        for k in page["Keys"]
    }
    assert seen == made


def test_encrypt_decrypt_with_context(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret", EncryptionContext={"app": "pay"})[
        "CiphertextBlob"
    ]
    assert b"secret" not in blob
    out = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "pay"})
    assert out["Plaintext"] == b"secret" and out["KeyId"].endswith(key_id)
    for context in ({}, {"app": "other"}):
        with pytest.raises(ClientError) as bad:
            kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
        assert _code(bad) == "InvalidCiphertextException"
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(ClientError) as bad:
        kms.decrypt(CiphertextBlob=bytes(tampered), EncryptionContext={"app": "pay"})
    assert _code(bad) == "InvalidCiphertextException"
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as wrong:
        kms.decrypt(CiphertextBlob=blob, KeyId=other, EncryptionContext={"app": "pay"})
    assert _code(wrong) == "IncorrectKeyException"


def test_generate_data_key_and_random(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    assert len(data_key["Plaintext"]) == 32
    assert (
        kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == data_key["Plaintext"]
    )
    assert len(kms.generate_data_key(KeyId=key_id, NumberOfBytes=7)["Plaintext"]) == 7
    with pytest.raises(ClientError) as both:
        kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", NumberOfBytes=7)
    assert _code(both) == "ValidationException"
    assert len(kms.generate_random(NumberOfBytes=1024)["Plaintext"]) == 1024


def test_unknown_keys_are_not_found(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    missing = "1234abcd-12ab-34cd-56ef-1234567890ab"
    with pytest.raises(ClientError) as key:
        kms.describe_key(KeyId=missing)
    assert _code(key) == "NotFoundException"
    assert _message(key) == f"Key 'arn:aws:kms:us-east-1:{ACCOUNT}:key/{missing}' does not exist"
    with pytest.raises(ClientError) as alias:
        kms.encrypt(KeyId="alias/none", Plaintext=b"x")
    assert _code(alias) == "NotFoundException" and "alias/none" in _message(alias)
    with pytest.raises(ClientError) as junk:
        kms.decrypt(CiphertextBlob=b"not ours at all, but long enough to parse")
    assert _code(junk) == "InvalidCiphertextException"


def test_wrong_signature_and_unknown_access_key(local_kms: KmsUnderTest) -> None:
    with pytest.raises(ClientError) as wrong:
        local_kms.client(secret="not-the-secret").list_keys()
    assert _code(wrong) == "InvalidSignatureException"
    assert _message(wrong).startswith("The request signature we calculated does not match")
    with pytest.raises(ClientError) as unknown:
        local_kms.client(access_key="AKIAUNKNOWNUNKNOWN00").list_keys()
    assert _code(unknown) == "UnrecognizedClientException"


def test_unsigned_request_is_rejected(local_kms: KmsUnderTest) -> None:
    import urllib.request

    request = urllib.request.Request(
        local_kms.server.endpoint,
        data=b"{}",
        method="POST",
        headers={
            "X-Amz-Target": "TrentService.ListKeys",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert json.loads(caught.value.read())["__type"] == "MissingAuthenticationTokenException"


def _attested_key(kms: Any, pcr0: bytes = PROD_PCR0) -> str:
    meta = kms.create_key()["KeyMetadata"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Admin",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": [
                    "kms:Describe*",
                    "kms:Get*",
                    "kms:Put*",
                    "kms:Encrypt",
                    "kms:GenerateDataKey",
                ],
                "Resource": "*",
            },
            {
                "Sid": "Enclave",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
                "Condition": {
                    "StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": pcr0.hex()}
                },
            },
        ],
    }
    kms.put_key_policy(KeyId=meta["KeyId"], PolicyName="default", Policy=json.dumps(policy))
    return str(meta["KeyId"])


_recipient = recipient_for


def test_decrypt_with_recipient_returns_only_ciphertext_for_recipient(
    local_kms: KmsUnderTest,
) -> None:
    kms = local_kms.client()
    key_id = _attested_key(kms)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"enclave secret")["CiphertextBlob"]
    recipient, spec = _recipient(local_kms, PROD_PCR0)
    out = kms.decrypt(CiphertextBlob=blob, Recipient=spec)
    assert "Plaintext" not in out
    assert recipient.decrypt(out["CiphertextForRecipient"]) == b"enclave secret"
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", Recipient=spec)
    assert "Plaintext" not in data_key
    plain = recipient.decrypt(data_key["CiphertextForRecipient"])
    assert len(plain) == 32
    random = kms.generate_random(NumberOfBytes=64, Recipient=spec)
    assert (
        "Plaintext" not in random and len(recipient.decrypt(random["CiphertextForRecipient"])) == 64
    )


def test_decrypt_denied_without_attestation_or_with_other_image(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key_id = _attested_key(kms)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"enclave secret")["CiphertextBlob"]
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}"
    expected = (
        f"User: arn:aws:iam::{ACCOUNT}:user/nitrodeck-local is not authorized to perform: "
        f"kms:Decrypt on resource: {arn} because no resource-based policy allows the "
        "kms:Decrypt action"
    )
    with pytest.raises(ClientError) as plain:
        kms.decrypt(CiphertextBlob=blob)
    assert _code(plain) == "AccessDeniedException" and _message(plain) == expected
    _, other = _recipient(local_kms, bytes.fromhex("cd" * 48))
    with pytest.raises(ClientError) as rebuilt:
        kms.decrypt(CiphertextBlob=blob, Recipient=other)
    assert _message(rebuilt) == expected


def test_explicit_deny_message(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    policy = json.loads(kms.get_key_policy(KeyId=key_id)["Policy"])
    policy["Statement"].append(
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"Null": {"kms:RecipientAttestation:ImageSha384": "true"}},
        }
    )
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(ClientError) as denied:
        kms.decrypt(CiphertextBlob=blob)
    assert _message(denied).endswith("with an explicit deny in a resource-based policy")


def test_bad_attestation_document_is_a_validation_error(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    with pytest.raises(ClientError) as bad:
        kms.decrypt(
            CiphertextBlob=blob,
            Recipient={
                "KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
                "AttestationDocument": b"forged",
            },
        )
    assert _code(bad) == "ValidationException"


def test_put_key_policy_validation_and_lockout(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError) as malformed:
        kms.put_key_policy(
            KeyId=key_id, PolicyName="default", Policy='{"Statement": [{"Effect": "Maybe"}]}'
        )
    assert _code(malformed) == "MalformedPolicyDocumentException" and "Effect" in _message(
        malformed
    )
    lockout = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ]
        }
    )
    with pytest.raises(ClientError) as locked:
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=lockout)
    assert "will not allow you to update the key policy" in _message(locked)
    kms.put_key_policy(
        KeyId=key_id, PolicyName="default", Policy=lockout, BypassPolicyLockoutSafetyCheck=True
    )
    with pytest.raises(ClientError) as now_denied:
        kms.describe_key(KeyId=key_id)
    assert _code(now_denied) == "AccessDeniedException"


def test_state_persists_and_files_are_private(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key_id = kms.create_key(Description="keep me")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/keep", TargetKeyId=key_id)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"persisted")["CiphertextBlob"]
    local_kms.server.close()
    for name in ("credentials", "kms.sqlite3", "master.key"):
        assert stat.S_IMODE((local_kms.directory / name).stat().st_mode) == 0o600
    store = KmsStore(local_kms.directory)
    material = store.material(key_id)
    store.close()
    assert len(material) == 32
    assert material not in (local_kms.directory / "kms.sqlite3").read_bytes()
    with LocalKms(home=Home.resolve(), directory=local_kms.directory) as again:
        creds = again.credentials
        client = boto3.client(
            "kms",
            endpoint_url=again.endpoint,
            region_name="us-east-1",
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
        )
        assert client.describe_key(KeyId="alias/keep")["KeyMetadata"]["Description"] == "keep me"
        assert client.decrypt(CiphertextBlob=blob)["Plaintext"] == b"persisted"


def test_credentials_file_works_as_a_shared_profile(
    local_kms: KmsUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(local_kms.server.credentials_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(local_kms.directory / "no-config"))
    session = boto3.Session(profile_name="nitrodeck-local", region_name="us-east-1")
    kms = session.client("kms", endpoint_url=local_kms.server.endpoint)
    assert kms.list_keys()["Keys"] == []


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_refuses_non_loopback(tmp_path: Any, host: str) -> None:
    with pytest.raises(NitrodeckError, match="loopback only"):
        LocalKms(home=Home.resolve(), host=host, directory=tmp_path)


def test_blob_fields_are_base64_on_the_wire(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    assert base64.b64decode(base64.b64encode(blob)) == blob
