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
