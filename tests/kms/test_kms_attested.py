"""The whole Recipient flow with real documents: the simulated NSM signs, the local KMS verifies
them with the project's attestation verifier (simulator root, or a PEM anchor), evaluates the
key policy on their PCRs and answers with CMS only the enclave's key opens."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from kms_fixtures import PROD_PCR0, simulated_document

from core.home import Home
from core.kms import attested
from core.kms.inventory import local_client
from core.kms.local.server import LocalKms
from enclave_agent.recipient import EphemeralRecipient


def _client(server: LocalKms) -> Any:
    return local_client(server.endpoint, server.credentials_path)


@pytest.fixture
def server(nitrodeck_home: Path) -> Iterator[LocalKms]:
    with LocalKms(home=Home.resolve()) as kms:
        yield kms


def _pinned_key(kms: Any, pcr0: bytes) -> str:
    key_id = str(kms.create_key()["KeyMetadata"]["KeyId"])
    policy = json.loads(kms.get_key_policy(KeyId=key_id)["Policy"])
    policy["Statement"].append(
        {
            "Sid": "DenyUnlessImage",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "StringNotEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": pcr0.hex()}
            },
        }
    )
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(policy))
    return key_id


def _recipient(document: bytes) -> dict[str, Any]:
    return {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256", "AttestationDocument": document}


def test_simulated_enclave_decrypts_through_the_sim_root(
    server: LocalKms, nitrodeck_home: Path
) -> None:
    kms = _client(server)
    key_id = _pinned_key(kms, PROD_PCR0)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"only for the enclave")["CiphertextBlob"]
    enclave = EphemeralRecipient.generate()
    document = simulated_document(nitrodeck_home, enclave.public_key_der(), pcr0=PROD_PCR0)
    out = kms.decrypt(CiphertextBlob=blob, Recipient=_recipient(document))
    assert "Plaintext" not in out
    assert enclave.decrypt(out["CiphertextForRecipient"]) == b"only for the enclave"


def test_rebuilt_image_and_debug_mode_are_denied(server: LocalKms, nitrodeck_home: Path) -> None:
    kms = _client(server)
    key_id = _pinned_key(kms, PROD_PCR0)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    enclave = EphemeralRecipient.generate()
    for document in (
        simulated_document(nitrodeck_home, enclave.public_key_der(), pcr0=bytes([9]) * 48),
        simulated_document(nitrodeck_home, enclave.public_key_der(), pcr0=PROD_PCR0, debug=True),
    ):
        with pytest.raises(ClientError) as denied:
            kms.decrypt(CiphertextBlob=blob, Recipient=_recipient(document))
        assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
        assert "explicit deny" in denied.value.response["Error"]["Message"]


def test_untrusted_root_is_refused_then_trusted_through_a_pem_anchor(tmp_path: Path) -> None:
    other_pki = tmp_path / "elsewhere"
    enclave = EphemeralRecipient.generate()
    document = simulated_document(other_pki, enclave.public_key_der(), pcr0=PROD_PCR0)
    with LocalKms(home=Home.resolve(), directory=tmp_path / "kms1") as untrusting:
        kms = _client(untrusting)
        with pytest.raises(ClientError) as refused:
            kms.generate_random(NumberOfBytes=16, Recipient=_recipient(document))
        assert refused.value.response["Error"]["Code"] == "ValidationException"
    anchor = other_pki / "sim" / "pki" / "root.pem"
    with LocalKms(home=Home.resolve(), directory=tmp_path / "kms2", anchors=[anchor]) as trusting:
        out = _client(trusting).generate_random(NumberOfBytes=16, Recipient=_recipient(document))
        assert len(enclave.decrypt(out["CiphertextForRecipient"])) == 16


def test_real_aws_document_has_expired_chain_and_no_rsa_key(
    server: LocalKms, vectors: Path
) -> None:
    document = (vectors / "base_prod_2024-11-30.cose").read_bytes()
    with pytest.raises(ClientError) as refused:
        _client(server).generate_random(NumberOfBytes=16, Recipient=_recipient(document))
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "does not verify" in refused.value.response["Error"]["Message"]


def test_optional_max_document_age(tmp_path: Path, nitrodeck_home: Path) -> None:
    enclave = EphemeralRecipient.generate()
    old = simulated_document(nitrodeck_home, enclave.public_key_der(), pcr0=PROD_PCR0, age_s=600)
    fresh = simulated_document(nitrodeck_home, enclave.public_key_der(), pcr0=PROD_PCR0)
    with LocalKms(
        home=Home.resolve(), directory=tmp_path / "kms", max_document_age=timedelta(seconds=120)
    ) as server:
        kms = _client(server)
        with pytest.raises(ClientError) as stale:
            kms.generate_random(NumberOfBytes=8, Recipient=_recipient(old))
        assert "over the local maximum of 120 s" in stale.value.response["Error"]["Message"]
        out = kms.generate_random(NumberOfBytes=8, Recipient=_recipient(fresh))
        assert len(enclave.decrypt(out["CiphertextForRecipient"])) == 8


def test_verified_documents_are_remembered_only_until_the_chain_expires(
    nitrodeck_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    enclave = EphemeralRecipient.generate()
    document = simulated_document(nitrodeck_home, enclave.public_key_der(), pcr0=PROD_PCR0)
    verifier = attested.AttestationRecipientVerifier(Home.resolve())
    first = verifier(document)
    calls: list[bytes] = []
    real = attested._verify_until
    monkeypatch.setattr(attested, "_verify_until", lambda v, d, m: calls.append(d) or real(v, d, m))
    assert verifier(document) is first and calls == []  # a repeat is not verified again
    later = datetime.now(UTC) + timedelta(days=30)

    class Later(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:
            return later

    monkeypatch.setattr(attested, "datetime", Later)
    with pytest.raises(attested.RecipientDocumentError, match="expired"):
        verifier(document)
    assert calls == [document]
