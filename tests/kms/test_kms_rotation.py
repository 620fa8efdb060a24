"""Key rotation: schedules, on-demand rotation, old ciphertexts still decrypt, new ones use the new
material, and what AWS refuses."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from kms_fixtures import KmsUnderTest, call

from core.kms.local.store import KmsStore


def _code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return str(raised.value.response["Error"]["Code"])


def test_schedule_and_status(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
    status, answer = call(local_kms, "EnableKeyRotation", KeyId=key, RotationPeriodInDays=89)
    assert (status, answer["__type"]) == (400, "ValidationException")
    assert _code(kms.enable_key_rotation, KeyId=key, RotationPeriodInDays=2561) == (
        "ValidationException"
    )
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=90)
    status = kms.get_key_rotation_status(KeyId=key)
    assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 90
    assert abs(status["NextRotationDate"].timestamp() - (time.time() + 90 * 86400)) < 60
    kms.enable_key_rotation(KeyId=key)
    assert kms.get_key_rotation_status(KeyId=key)["RotationPeriodInDays"] == 365
    kms.disable_key_rotation(KeyId=key)
    status = kms.get_key_rotation_status(KeyId=key)
    del status["ResponseMetadata"]
    assert status == {
        "KeyRotationEnabled": False,
        "KeyId": kms.describe_key(KeyId=key)["KeyMetadata"]["Arn"],
    }


def test_old_ciphertexts_decrypt_and_new_ones_use_new_material(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    before = kms.encrypt(KeyId=key, Plaintext=b"one", EncryptionContext={"a": "1"})
    assert before["CiphertextBlob"][3] == 1  # an unrotated key still writes the first format
    assert kms.rotate_key_on_demand(KeyId=key)["KeyId"].endswith(key)
    after = kms.encrypt(KeyId=key, Plaintext=b"two")["CiphertextBlob"]
    assert after[3] == 2
    decrypted = kms.decrypt(CiphertextBlob=before["CiphertextBlob"], EncryptionContext={"a": "1"})
    assert decrypted["Plaintext"] == b"one"
    assert kms.decrypt(CiphertextBlob=after)["Plaintext"] == b"two"
    moved = kms.re_encrypt(
        CiphertextBlob=before["CiphertextBlob"],
        SourceEncryptionContext={"a": "1"},
        DestinationKeyId=key,
    )
    assert moved["CiphertextBlob"][3] == 2
    version_at = 5 + after[4] + 3  # last byte of the material version after the key id
    tampered = after[:version_at] + bytes([after[version_at] ^ 4]) + after[version_at + 1 :]
    assert _code(kms.decrypt, CiphertextBlob=tampered) == "InvalidCiphertextException"
    rotations = kms.list_key_rotations(KeyId=key)["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["ON_DEMAND"]
    assert rotations[0]["KeyMaterialState"] == "CURRENT"
    every = kms.list_key_rotations(KeyId=key, IncludeKeyMaterial="ALL_KEY_MATERIAL")["Rotations"]
    assert [r["KeyMaterialState"] for r in every] == ["NON_CURRENT", "CURRENT"]
    assert len({r["KeyMaterialId"] for r in every}) == 2


def test_automatic_rotation_happens_when_due(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.enable_key_rotation(KeyId=key, RotationPeriodInDays=90)
    old = kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    store = KmsStore(local_kms.directory)  # a second connection: as if 91 days had passed
    try:
        due = time.time() - 86400
        store.execute("UPDATE keys SET next_rotation = ? WHERE key_id = ?", (due, key))
    finally:
        store.close()
    new = kms.encrypt(KeyId=key, Plaintext=b"y")["CiphertextBlob"]
    assert new[3] == 2 and kms.decrypt(CiphertextBlob=old)["Plaintext"] == b"x"
    rotations = kms.list_key_rotations(KeyId=key)["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["AUTOMATIC"]
    following = kms.get_key_rotation_status(KeyId=key)["NextRotationDate"].timestamp()
    assert abs(following - (due + 90 * 86400)) < 5


def test_refusals_as_aws_words_them(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    hmac = kms.create_key(KeySpec="HMAC_256")["KeyMetadata"]["KeyId"]
    for key in (rsa, hmac):
        assert _code(kms.enable_key_rotation, KeyId=key) == "UnsupportedOperationException"
        assert _code(kms.rotate_key_on_demand, KeyId=key) == "UnsupportedOperationException"
        assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is False
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/r", TargetKeyId=key)
    assert _code(kms.enable_key_rotation, KeyId="alias/r") == "NotFoundException"
    kms.disable_key(KeyId=key)
    assert _code(kms.enable_key_rotation, KeyId=key) == "DisabledException"
    assert _code(kms.rotate_key_on_demand, KeyId=key) == "DisabledException"
    kms.enable_key(KeyId=key)
    for _ in range(25):
        kms.rotate_key_on_demand(KeyId=key)
    assert _code(kms.rotate_key_on_demand, KeyId=key) == "LimitExceededException"
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    assert _code(kms.enable_key_rotation, KeyId=key) == "KMSInvalidStateException"


def test_a_first_format_blob_made_by_hand_still_decrypts_after_rotation(
    local_kms: KmsUnderTest,
) -> None:
    """Layout 1 as stored before rotation existed, built here from its description alone."""
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    store = KmsStore(local_kms.directory)
    try:
        material = store.material(key)
    finally:
        store.close()
    nonce = os.urandom(12)
    header = b"NDK" + bytes([1, len(key)]) + key.encode() + nonce
    context = {"app": "ledger"}
    aad = header + json.dumps(context, sort_keys=True, separators=(",", ":")).encode()
    old_blob = header + AESGCM(material).encrypt(nonce, b"stored long ago", aad)
    kms.rotate_key_on_demand(KeyId=key)
    kms.rotate_key_on_demand(KeyId=key)
    opened = kms.decrypt(CiphertextBlob=old_blob, EncryptionContext=context)
    assert opened["Plaintext"] == b"stored long ago"
