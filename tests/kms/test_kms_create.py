"""CreateKey as AWS has it (specs, usages, tags, refusals), keys scoped to their region, and the
predefined `alias/aws/*` aliases."""

from __future__ import annotations

import sqlite3

import pytest
from botocore.exceptions import ClientError
from kms_fixtures import KmsUnderTest, restarted

from core.kms.local.store import KmsStore


def _code(call: object, **kwargs: object) -> str:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)  # type: ignore[operator]
    return str(raised.value.response["Error"]["Code"])


@pytest.mark.parametrize(
    ("spec", "usage", "algorithms"),
    [
        ("RSA_3072", "SIGN_VERIFY", ("SigningAlgorithms", 6)),
        ("ECC_NIST_P384", "SIGN_VERIFY", ("SigningAlgorithms", 1)),
        ("ECC_SECG_P256K1", "SIGN_VERIFY", ("SigningAlgorithms", 1)),
        ("ECC_NIST_P256", "KEY_AGREEMENT", ("KeyAgreementAlgorithms", 1)),
        ("HMAC_384", "GENERATE_VERIFY_MAC", ("MacAlgorithms", 1)),
        ("RSA_2048", "ENCRYPT_DECRYPT", ("EncryptionAlgorithms", 2)),
    ],
)
def test_specs_and_usages(
    local_kms: KmsUnderTest, spec: str, usage: str, algorithms: tuple[str, int]
) -> None:
    meta = local_kms.client().create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    assert (meta["KeySpec"], meta["KeyUsage"]) == (spec, usage)
    assert len(meta[algorithms[0]]) == algorithms[1]
    assert "EncryptionAlgorithms" not in meta or algorithms[0] == "EncryptionAlgorithms"


def test_usage_is_required_and_must_fit(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    assert _code(kms.create_key, KeySpec="RSA_2048") == "ValidationException"
    assert _code(kms.create_key, KeySpec="ECC_SECG_P256K1", KeyUsage="KEY_AGREEMENT") == (
        "ValidationException"
    )
    assert _code(kms.create_key, KeySpec="HMAC_256", KeyUsage="ENCRYPT_DECRYPT") == (
        "ValidationException"
    )
    hmac = kms.create_key(KeySpec="HMAC_256")["KeyMetadata"]  # HMAC's one usage is the default
    assert hmac["KeyUsage"] == "GENERATE_VERIFY_MAC"


def test_unsupported_parameters_are_refused_not_ignored(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    for kwargs in (
        {"MultiRegion": True},
        {"Origin": "EXTERNAL"},
        {"CustomKeyStoreId": "cks-1234567890abcdef0"},
        {"KeySpec": "ML_DSA_65", "KeyUsage": "SIGN_VERIFY"},
    ):
        assert _code(kms.create_key, **kwargs) == "UnsupportedOperationException", kwargs
    assert kms.list_keys()["Keys"] == []
    assert not kms.create_key(MultiRegion=False)["KeyMetadata"]["MultiRegion"]
    store = {"CustomKeyStoreId": "cks-1234567890abcdef0"}
    assert _code(kms.generate_random, NumberOfBytes=8, **store) == "UnsupportedOperationException"


def test_create_key_keeps_its_tags(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    tags = [{"TagKey": "team", "TagValue": "enclaves"}, {"TagKey": "env", "TagValue": ""}]
    key = kms.create_key(Tags=tags)["KeyMetadata"]["KeyId"]
    assert kms.list_resource_tags(KeyId=key)["Tags"] == sorted(tags, key=lambda t: t["TagKey"])
    assert _code(kms.create_key, Tags=[{"TagKey": "aws:x", "TagValue": "y"}]) == "TagException"
    assert len(kms.list_keys()["Keys"]) == 1


def test_keys_and_aliases_belong_to_their_region(local_kms: KmsUnderTest) -> None:
    east, west = local_kms.client(), local_kms.client(region="us-west-2")
    meta = east.create_key()["KeyMetadata"]
    east.create_alias(AliasName="alias/app", TargetKeyId=meta["KeyId"])
    for ref in (meta["KeyId"], meta["Arn"], "alias/app"):
        assert _code(west.describe_key, KeyId=ref) == "NotFoundException", ref
    assert west.list_keys()["Keys"] == []
    west_key = west.create_key()["KeyMetadata"]
    assert west_key["Arn"].startswith("arn:aws:kms:us-west-2:")
    west.create_alias(AliasName="alias/app", TargetKeyId=west_key["KeyId"])  # same name, apart
    assert west.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"] == west_key["KeyId"]
    assert east.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"] == meta["KeyId"]
    blob = east.encrypt(KeyId=meta["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    assert _code(west.decrypt, CiphertextBlob=blob) == "NotFoundException"


def test_predefined_aliases_are_listed_and_reserved(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    aliases = kms.list_aliases()["Aliases"]
    s3 = next(a for a in aliases if a["AliasName"] == "alias/aws/s3")
    assert s3 == {
        "AliasName": "alias/aws/s3",
        "AliasArn": "arn:aws:kms:us-east-1:111122223333:alias/aws/s3",
    }
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    assert _code(kms.create_alias, AliasName="alias/aws/mine", TargetKeyId=key) == (
        "ValidationException"
    )
    assert kms.list_aliases(KeyId=key)["Aliases"] == []


def test_aliases_of_an_old_store_move_to_the_default_region(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    local_kms.server.close()
    db = sqlite3.connect(local_kms.directory / "kms.sqlite3")
    db.executescript(
        "DROP TABLE aliases; CREATE TABLE aliases (name TEXT PRIMARY KEY, key_id TEXT NOT NULL"
        " REFERENCES keys(key_id) ON DELETE CASCADE, created REAL NOT NULL, updated REAL NOT NULL);"
    )
    db.execute("INSERT INTO aliases VALUES ('alias/old', ?, 1.0, 2.0)", (key,))
    db.commit()
    db.close()
    store = KmsStore(local_kms.directory)
    try:
        alias = store.alias("us-east-1", "alias/old")
        assert alias is not None and alias.key_id == key and alias.updated == 2.0
        assert store.alias("us-west-2", "alias/old") is None
    finally:
        store.close()


def test_a_store_from_before_regions_and_rotation_opens(local_kms: KmsUnderTest) -> None:
    """The new columns and tables are added on open; keys, aliases and ciphertexts carry over."""
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=key)
    blob = kms.encrypt(KeyId=key, Plaintext=b"kept")["CiphertextBlob"]
    local_kms.server.close()
    db = sqlite3.connect(local_kms.directory / "kms.sqlite3")
    for column in ("region", "rotation_period", "next_rotation"):
        db.execute(f"ALTER TABLE keys DROP COLUMN {column}")
    for table in ("key_materials", "key_last_usage", "usage_tracking"):
        db.execute(f"DROP TABLE {table}")
    db.commit()
    db.close()
    again = restarted(local_kms)
    try:
        kms = again.client()
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"
        assert kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"] == key
        kms.rotate_key_on_demand(KeyId=key)
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"
    finally:
        again.server.close()


def test_update_alias_keeps_type_and_usage(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    rsa_sign, rsa_encrypt, rsa_sign_2 = (
        kms.create_key(KeySpec="RSA_2048", KeyUsage=usage)["KeyMetadata"]["KeyId"]
        for usage in ("SIGN_VERIFY", "ENCRYPT_DECRYPT", "SIGN_VERIFY")
    )
    hmac = kms.create_key(KeySpec="HMAC_256")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/signer", TargetKeyId=rsa_sign)
    for other in (rsa_encrypt, hmac):
        assert _code(kms.update_alias, AliasName="alias/signer", TargetKeyId=other) == (
            "ValidationException"
        )
    kms.update_alias(AliasName="alias/signer", TargetKeyId=rsa_sign_2)
    assert kms.describe_key(KeyId="alias/signer")["KeyMetadata"]["KeyId"] == rsa_sign_2
