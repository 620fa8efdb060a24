"""The AWS CLI against the local KMS for a few newer calls (skipped where `aws` is absent)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from kms_fixtures import KmsUnderTest

from core.kms.local.credentials import PROFILE, REGION

pytestmark = [
    pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed"),
    pytest.mark.slow,
]


def _aws(kms: KmsUnderTest, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AWS_SHARED_CREDENTIALS_FILE": str(kms.server.credentials_path),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_PROFILE": PROFILE,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    command = ["aws", "kms", *args, "--endpoint-url", kms.server.endpoint, "--output", "json"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def _ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_aws_cli_states_and_public_key(local_kms: KmsUnderTest, tmp_path: Path) -> None:
    key = _ok(
        _aws(
            local_kms,
            tmp_path,
            "create-key",
            "--key-spec",
            "RSA_2048",
            "--key-usage",
            "ENCRYPT_DECRYPT",
        )
    )["KeyMetadata"]
    _ok(_aws(local_kms, tmp_path, "disable-key", "--key-id", key["KeyId"]))
    described = _ok(_aws(local_kms, tmp_path, "describe-key", "--key-id", key["Arn"]))
    assert described["KeyMetadata"]["KeyState"] == "Disabled"
    refused = _aws(local_kms, tmp_path, "get-public-key", "--key-id", key["KeyId"])
    assert refused.returncode != 0 and "DisabledException" in refused.stderr
    _ok(_aws(local_kms, tmp_path, "enable-key", "--key-id", key["KeyId"]))
    public = _ok(_aws(local_kms, tmp_path, "get-public-key", "--key-id", key["KeyId"]))
    loaded = serialization.load_der_public_key(base64.b64decode(public["PublicKey"]))
    assert loaded.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == base64.b64decode(public["PublicKey"])
    scheduled = _ok(
        _aws(
            local_kms,
            tmp_path,
            "schedule-key-deletion",
            "--key-id",
            key["KeyId"],
            "--pending-window-in-days",
            "7",
        )
    )
    assert scheduled["KeyState"] == "PendingDeletion"
    aliased = _aws(local_kms, tmp_path, "get-key-policy", "--key-id", "alias/none")
    assert aliased.returncode != 0 and "NotFoundException" in aliased.stderr


def _blob_file(tmp_path: Path, name: str, printed: str) -> str:
    """A blob the CLI printed (base64), as a `fileb://` argument (CLI v1 takes blobs raw)."""
    path = tmp_path / name
    path.write_bytes(base64.b64decode(printed))
    return f"fileb://{path}"


def test_aws_cli_new_operations_and_aws_answers(local_kms: KmsUnderTest, tmp_path: Path) -> None:
    """Sign/Verify, MACs, rotation, DryRun, Limit and tags as the AWS CLI sees them."""
    signer = _ok(
        _aws(
            local_kms,
            tmp_path,
            "create-key",
            "--key-spec",
            "ECC_NIST_P256",
            "--key-usage",
            "SIGN_VERIFY",
            "--tags",
            "TagKey=team,TagValue=enclaves",
        )
    )["KeyMetadata"]["KeyId"]
    tags = _ok(_aws(local_kms, tmp_path, "list-resource-tags", "--key-id", signer))["Tags"]
    assert tags == [{"TagKey": "team", "TagValue": "enclaves"}]
    message = base64.b64encode(b"manifest").decode()
    common = ["--key-id", signer, "--message", message, "--signing-algorithm", "ECDSA_SHA_256"]
    signature = _blob_file(
        tmp_path, "sig", _ok(_aws(local_kms, tmp_path, "sign", *common))["Signature"]
    )
    verified = _ok(_aws(local_kms, tmp_path, "verify", *common, "--signature", signature))
    assert verified["SignatureValid"] is True
    bad = _aws(
        local_kms,
        tmp_path,
        "verify",
        "--key-id",
        signer,
        "--message",
        base64.b64encode(b"other").decode(),
        "--signing-algorithm",
        "ECDSA_SHA_256",
        "--signature",
        signature,
    )
    assert bad.returncode != 0 and "KMSInvalidSignatureException" in bad.stderr
    mac_key = _ok(
        _aws(
            local_kms,
            tmp_path,
            "create-key",
            "--key-spec",
            "HMAC_256",
            "--key-usage",
            "GENERATE_VERIFY_MAC",
        )
    )["KeyMetadata"]["KeyId"]
    mac_args = ["--key-id", mac_key, "--message", message, "--mac-algorithm", "HMAC_SHA_256"]
    mac = _blob_file(
        tmp_path, "mac", _ok(_aws(local_kms, tmp_path, "generate-mac", *mac_args))["Mac"]
    )
    assert _ok(_aws(local_kms, tmp_path, "verify-mac", *mac_args, "--mac", mac))["MacValid"]
    key = _ok(_aws(local_kms, tmp_path, "create-key"))["KeyMetadata"]["KeyId"]
    _ok(
        _aws(
            local_kms,
            tmp_path,
            "enable-key-rotation",
            "--key-id",
            key,
            "--rotation-period-in-days",
            "180",
        )
    )
    status = _ok(_aws(local_kms, tmp_path, "get-key-rotation-status", "--key-id", key))
    assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 180
    _ok(_aws(local_kms, tmp_path, "rotate-key-on-demand", "--key-id", key))
    rotations = _ok(_aws(local_kms, tmp_path, "list-key-rotations", "--key-id", key))
    assert [r["RotationType"] for r in rotations["Rotations"]] == ["ON_DEMAND"]
    asymmetric = _aws(local_kms, tmp_path, "enable-key-rotation", "--key-id", signer)
    assert "UnsupportedOperationException" in asymmetric.stderr
    dry = _aws(local_kms, tmp_path, "encrypt", "--key-id", key, "--plaintext", message, "--dry-run")
    assert dry.returncode != 0 and "DryRunOperationException" in dry.stderr
    too_many = _aws(local_kms, tmp_path, "list-aliases", "--limit", "101")
    assert too_many.returncode != 0 and (
        "Value '101' at 'limit' failed to satisfy constraint: Member must have value less than "
        "or equal to 100" in too_many.stderr
    )
    usage = _aws(local_kms, tmp_path, "create-key", "--key-spec", "RSA_2048")
    assert usage.returncode != 0 and "ValidationException" in usage.stderr
    multi = _aws(local_kms, tmp_path, "create-key", "--multi-region")
    assert multi.returncode != 0 and "UnsupportedOperationException" in multi.stderr
