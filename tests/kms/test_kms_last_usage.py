"""GetKeyLastUsage: the last successful cryptographic operation per key, kept across restarts."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from kms_fixtures import KmsUnderTest, restarted


def test_last_usage_follows_successful_operations(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    fresh = kms.get_key_last_usage(KeyId=key)
    assert fresh["KeyLastUsage"] == {}
    assert fresh["TrackingStartDate"] <= fresh["KeyCreationDate"]
    sealed = kms.encrypt(KeyId=key, Plaintext=b"x")
    usage = kms.get_key_last_usage(KeyId=key)["KeyLastUsage"]
    assert usage["Operation"] == "Encrypt"
    assert usage["KmsRequestId"] == sealed["ResponseMetadata"]["RequestId"]
    with pytest.raises(ClientError):
        kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"], EncryptionContext={"no": "pe"})
    with pytest.raises(ClientError):
        kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"], DryRun=True)
    assert kms.get_key_last_usage(KeyId=key)["KeyLastUsage"]["Operation"] == "Encrypt"
    kms.re_encrypt(CiphertextBlob=sealed["CiphertextBlob"], DestinationKeyId=other)
    for key_id in (key, other):
        assert kms.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "ReEncrypt"
    kms.decrypt(CiphertextBlob=sealed["CiphertextBlob"])
    again = restarted(local_kms)
    try:
        kept = again.client().get_key_last_usage(KeyId=key)["KeyLastUsage"]
        assert kept["Operation"] == "Decrypt"
    finally:
        again.server.close()
