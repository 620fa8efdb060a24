"""Issue 19 (verification): a key whose policy allows Decrypt, ReEncryptFrom, GenerateDataKey and
GenerateDataKeyPair to the parent only under a PCR0 condition gives the parent no plaintext by
any of them: ReEncrypt takes no attestation document (a `Recipient` smuggled into its body is not
read), so it cannot move the ciphertext under a key of the parent's own; data keys and key pairs
leave only as CiphertextForRecipient."""

from __future__ import annotations

import base64
import json
from typing import Any

from kms_fixtures import PROD_PCR0, KmsUnderTest, denied, recipient_for

from core.kms.demo import DECRYPT_SID, demo_key_policy
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN

ATTESTED_ACTIONS = (
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyPair",
)


def test_the_parent_cannot_reach_a_pinned_keys_plaintext_by_other_operations(
    local_kms: KmsUnderTest,
) -> None:
    admin, parent = local_kms.admin_client(), local_kms.client()
    policy = json.loads(
        demo_key_policy(PROD_PCR0.hex(), admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    )
    (statement,) = [s for s in policy["Statement"] if s["Sid"] == DECRYPT_SID]
    statement["Action"] = [*ATTESTED_ACTIONS]  # all under the PCR0 condition
    pinned = admin.create_key(Policy=json.dumps(policy))["KeyMetadata"]["KeyId"]
    own = parent.create_key()["KeyMetadata"]["KeyId"]  # the parent's own key: it decrypts there
    blob = parent.encrypt(KeyId=pinned, Plaintext=b"secret")["CiphertextBlob"]
    _, field = recipient_for(local_kms, PROD_PCR0)

    assert "kms:ReEncryptFrom" in denied(
        lambda: parent.re_encrypt(CiphertextBlob=blob, DestinationKeyId=own)
    )
    assert "kms:GenerateDataKey" in denied(
        lambda: parent.generate_data_key(KeyId=pinned, KeySpec="AES_256")
    )
    assert "kms:GenerateDataKeyPair" in denied(
        lambda: parent.generate_data_key_pair(KeyId=pinned, KeyPairSpec="RSA_2048")
    )
    # a document where the API takes none (ReEncrypt) is not read as attestation
    assert "kms:ReEncryptFrom" in denied(lambda: _with_recipient(local_kms, blob, own, field))
    # with attestation, secrets leave only for the enclave's key
    attested = parent.decrypt(CiphertextBlob=blob, Recipient=field)
    assert attested["CiphertextForRecipient"] and "Plaintext" not in attested
    _, field = recipient_for(local_kms, PROD_PCR0)
    data_key = parent.generate_data_key(KeyId=pinned, KeySpec="AES_256", Recipient=field)
    assert data_key["CiphertextForRecipient"] and "Plaintext" not in data_key
    pair = parent.generate_data_key_pair(KeyId=pinned, KeyPairSpec="RSA_2048", Recipient=field)
    assert pair["CiphertextForRecipient"] and "PrivateKeyPlaintext" not in pair


def _with_recipient(
    local_kms: KmsUnderTest, blob: bytes, destination: str, field: dict[str, Any]
) -> Any:
    """ReEncrypt with a `Recipient` member (botocore's model has none) added to the JSON body
    before signing; `seen` records that the body sent carried it."""
    client = local_kms.client()
    seen: list[bool] = []

    def add(request: Any, **_: Any) -> None:
        body = json.loads(request.data)
        document = base64.b64encode(field["AttestationDocument"]).decode()
        body["Recipient"] = {**field, "AttestationDocument": document}
        request.data = json.dumps(body).encode()
        seen.append("Recipient" in json.loads(request.data))

    client.meta.events.register("before-sign.kms.ReEncrypt", add)
    try:
        return client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=destination)
    finally:
        assert seen == [True]
