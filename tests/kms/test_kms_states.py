"""Key states through boto3: EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion, and
AWS's error for every operation in each state (developer guide, "Key states of AWS KMS keys")."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from kms_fixtures import KmsUnderTest

from core.home import Home
from core.kms.local.server import LocalKms
from core.kms.local.store import KmsStore


def _error(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return str(error["Code"]), str(error["Message"])


def _crypto_calls(kms: Any, key: str, blob: bytes) -> dict[str, Callable[[], Any]]:
    return {
        "Encrypt": lambda: kms.encrypt(KeyId=key, Plaintext=b"x"),
        "Decrypt": lambda: kms.decrypt(CiphertextBlob=blob),
        "GenerateDataKey": lambda: kms.generate_data_key(KeyId=key, KeySpec="AES_256"),
        "GenerateDataKeyWithoutPlaintext": lambda: kms.generate_data_key_without_plaintext(
            KeyId=key, KeySpec="AES_256"
        ),
        "GenerateDataKeyPair": lambda: kms.generate_data_key_pair(
            KeyId=key, KeyPairSpec="ECC_NIST_P256"
        ),
        "ReEncrypt": lambda: kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key),
        "CreateGrant": lambda: kms.create_grant(
            KeyId=key, GranteePrincipal="arn:aws:iam::111122223333:role/r", Operations=["Decrypt"]
        ),
    }


def test_disabled_key_refuses_crypto_but_not_management(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    meta = kms.create_key()["KeyMetadata"]
    key, arn = meta["KeyId"], meta["Arn"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"]
    kms.disable_key(KeyId=key)
    described = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert described["KeyState"] == "Disabled" and described["Enabled"] is False
    for name, call in _crypto_calls(kms, key, blob).items():
        assert _error(call) == ("DisabledException", f"{arn} is disabled."), name
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "team", "TagValue": "a"}])
    kms.update_key_description(KeyId=key, Description="off")
    kms.create_alias(AliasName="alias/off", TargetKeyId=key)
    assert kms.get_key_policy(KeyId=key)["PolicyName"] == "default"
    kms.disable_key(KeyId=key)  # again: no error, as in AWS
    kms.enable_key(KeyId=key)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"


def test_pending_deletion_and_cancel(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    meta = kms.create_key()["KeyMetadata"]
    key, arn = meta["KeyId"], meta["Arn"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"]
    before = time.time()
    scheduled = kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    assert scheduled["KeyId"] == arn and scheduled["KeyState"] == "PendingDeletion"
    assert scheduled["PendingWindowInDays"] == 7
    days = (scheduled["DeletionDate"].timestamp() - before) / 86400
    assert 6.99 < days < 7.01
    described = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert described["KeyState"] == "PendingDeletion" and "DeletionDate" in described
    pending = ("KMSInvalidStateException", f"{arn} is pending deletion.")
    for name, call in _crypto_calls(kms, key, blob).items():
        assert _error(call) == pending, name
    for name, call in {
        "EnableKey": lambda: kms.enable_key(KeyId=key),
        "DisableKey": lambda: kms.disable_key(KeyId=key),
        "ScheduleKeyDeletion": lambda: kms.schedule_key_deletion(KeyId=key),
        "TagResource": lambda: kms.tag_resource(KeyId=key, Tags=[{"TagKey": "a", "TagValue": ""}]),
        "UntagResource": lambda: kms.untag_resource(KeyId=key, TagKeys=["a"]),
        "UpdateKeyDescription": lambda: kms.update_key_description(KeyId=key, Description="d"),
        "CreateAlias": lambda: kms.create_alias(AliasName="alias/gone", TargetKeyId=key),
    }.items():
        assert _error(call) == pending, name
    assert kms.get_key_policy(KeyId=key)["Policy"]  # still readable, as in AWS
    assert kms.list_resource_tags(KeyId=key)["Tags"] == []
    assert kms.cancel_key_deletion(KeyId=key)["KeyId"] == arn
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Disabled"
    assert _error(lambda: kms.cancel_key_deletion(KeyId=key)) == (
        "KMSInvalidStateException",
        f"{arn} is not pending deletion.",
    )


@pytest.mark.parametrize("days", [1, 6, 31, 365])
def test_pending_window_must_be_7_to_30(local_kms: KmsUnderTest, days: int) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    code, _ = _error(lambda: kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=days))
    assert code == "ValidationException"
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"


def test_state_operations_take_key_id_or_arn_only(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    meta = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/s", TargetKeyId=meta["Arn"])
    assert _error(lambda: kms.disable_key(KeyId="alias/s")) == (
        "NotFoundException",
        "Invalid keyId alias/s",
    )
    kms.disable_key(KeyId=meta["Arn"])
    assert kms.describe_key(KeyId="alias/s")["KeyMetadata"]["KeyState"] == "Disabled"


def test_key_past_its_deletion_date_is_gone(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/doomed", TargetKeyId=key)
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "t", "TagValue": "v"}])
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    store = KmsStore(local_kms.directory)  # a second connection: the date as if 7 days passed
    try:
        store.execute("UPDATE keys SET deletion_date = ? WHERE key_id = ?", (time.time() - 1, key))
    finally:
        store.close()
    local_kms.server.close()
    with LocalKms(
        home=Home.resolve(), directory=local_kms.directory, verifier=local_kms.verifier
    ) as server:
        again = KmsUnderTest(server, local_kms.verifier, local_kms.directory).client()
        code, _ = _error(lambda: again.describe_key(KeyId=key))
        assert code == "NotFoundException"
        assert again.list_keys()["Keys"] == []
        assert [a for a in again.list_aliases()["Aliases"] if "TargetKeyId" in a] == []


def test_states_survive_a_restart(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    disabled = kms.create_key()["KeyMetadata"]["KeyId"]
    pending = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=disabled)
    date = kms.schedule_key_deletion(KeyId=pending)["DeletionDate"]
    local_kms.server.close()
    with LocalKms(
        home=Home.resolve(), directory=local_kms.directory, verifier=local_kms.verifier
    ) as server:
        again = KmsUnderTest(server, local_kms.verifier, local_kms.directory).client()
        assert again.describe_key(KeyId=disabled)["KeyMetadata"]["KeyState"] == "Disabled"
        meta = again.describe_key(KeyId=pending)["KeyMetadata"]
        assert meta["KeyState"] == "PendingDeletion" and meta["DeletionDate"] == date
