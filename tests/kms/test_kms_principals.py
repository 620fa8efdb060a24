"""The local KMS's two principals: the parent (nitrodeck-local) and the administrator."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from core.home import Home
from core.kms.demo import demo_key_policy
from core.kms.local.credentials import (
    ADMIN_PRINCIPAL_ARN,
    ADMIN_PROFILE,
    PRINCIPAL_ARN,
    PROFILE,
    load_keyring,
)
from core.kms.local.server import LocalKms
from core.kms.target import KmsTarget, boto3_client

PCR0 = "cd" * 48


def test_an_old_credentials_file_gains_the_admin_profile(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(f"[{PROFILE}]\naws_access_key_id = AKIAOLD\naws_secret_access_key = s3cret\n")
    ring = load_keyring(path)
    assert (ring[PROFILE].access_key_id, ring[PROFILE].principal) == ("AKIAOLD", PRINCIPAL_ARN)
    assert ring[ADMIN_PROFILE].principal == ADMIN_PRINCIPAL_ARN
    assert ring[ADMIN_PROFILE].access_key_id != "AKIAOLD"
    assert load_keyring(path) == ring  # written once, read back the same
    assert path.stat().st_mode & 0o777 == 0o600


def test_concurrent_first_starts_agree(tmp_path: Path) -> None:
    path = tmp_path / "kms" / "credentials"
    rings: list[object] = []
    threads = [threading.Thread(target=lambda: rings.append(load_keyring(path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rings) == 8 and all(ring == rings[0] for ring in rings)


def test_requests_are_authorised_as_their_signer(tmp_path: Path) -> None:
    with LocalKms(home=Home.resolve(), directory=tmp_path / "kms") as kms:
        target = KmsTarget(kms.endpoint, "us-east-1", kms.credentials_path)
        admin, parent = boto3_client(target, profile=ADMIN_PROFILE), boto3_client(target)
        policy = demo_key_policy(PCR0, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
        with pytest.raises(ClientError) as locked_out:  # the parent cannot make itself admin
            parent.create_key(Policy=policy)
        assert locked_out.value.response["Error"]["Code"] == "MalformedPolicyDocumentException"
        key_id = admin.create_key(Policy=policy)["KeyMetadata"]["KeyId"]
        blob = parent.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]  # it may encrypt
        assert json.loads(parent.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
        for call in (
            lambda: parent.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy),
            lambda: parent.decrypt(CiphertextBlob=blob),  # not without a document
            lambda: admin.decrypt(CiphertextBlob=blob),  # the administrator never decrypts
        ):
            with pytest.raises(ClientError) as denied:
                call()
            assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
        admin.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy)
