"""`nitrodeck kms pin`: an image's PCRs into the key policy's attestation conditions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kms_fixtures import KmsUnderTest

from core.eif.format import SectionType
from core.eif.reader import measure_eif
from core.eif.writer import Section, write_eif
from core.errors import NitrodeckError
from core.kms.local.credentials import PRINCIPAL_ARN
from core.kms.pin import check_not_locked_out, pin_policy
from tui.cli.main import main

ROOT = "arn:aws:iam::111122223333:root"
OLD = "ab" * 48


def _image(path: Path, kernel: bytes) -> Path:
    metadata = json.dumps(
        {"ImageName": "t", "ImageVersion": "1", "BuildMetadata": {}, "DockerInfo": {}}
    ).encode()
    write_eif(
        path,
        [
            Section(SectionType.KERNEL, kernel),
            Section(SectionType.CMDLINE, b"console=ttyS0"),
            Section(SectionType.METADATA, metadata),
            Section(SectionType.RAMDISK, b"boot"),
            Section(SectionType.RAMDISK, b"app"),
        ],
    )
    return path


def _policy(enclave_condition: dict[str, Any]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Admin",
                    "Effect": "Allow",
                    "Principal": {"AWS": ROOT},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "Enclave",
                    "Effect": "Allow",
                    "Principal": {"AWS": ROOT},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                    "Condition": enclave_condition,
                },
            ],
        }
    )


def _enclave_condition(kms: Any, key: str) -> dict[str, Any]:
    policy = json.loads(kms.get_key_policy(KeyId=key)["Policy"])
    return dict(policy["Statement"][1]["Condition"])


@pytest.fixture
def pinned_key(local_kms: KmsUnderTest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("NITRODECK_HOME", str(local_kms.directory.parent))
    condition = {
        "StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": OLD},
        "Null": {"kms:RecipientAttestation:PCR1": "false"},
    }
    kms = local_kms.client()
    return str(kms.create_key(Policy=_policy(condition))["KeyMetadata"]["KeyId"])


def test_pin_adds_beside_then_replaces(
    local_kms: KmsUnderTest, pinned_key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = _image(tmp_path / "new.eif", b"kernel v2")
    pcr0 = measure_eif(image).pcr0
    endpoint = ["--endpoint-url", local_kms.server.endpoint]
    args = ["kms", "pin", "--key-id", pinned_key, "--eif-path", str(image), *endpoint]
    assert main([*args, "--yes"]) == 0
    out = capsys.readouterr().out
    assert f'+      "{pcr0}"' in out or pcr0 in out
    kms = local_kms.client()
    condition = _enclave_condition(kms, pinned_key)
    assert condition["StringEqualsIgnoreCase"] == {
        "kms:RecipientAttestation:ImageSha384": [OLD, pcr0]
    }
    assert condition["Null"] == {"kms:RecipientAttestation:PCR1": "false"}  # left alone
    assert main([*args, "--pcrs", "0,2", "--replace", "--yes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["Applied"] is True and result["Statements"] == ["Enclave"]
    pinned = _enclave_condition(kms, pinned_key)["StringEqualsIgnoreCase"]
    assert pinned == {
        "kms:RecipientAttestation:ImageSha384": pcr0,
        "kms:RecipientAttestation:PCR2": measure_eif(image).pcr2,
    }


def test_pin_asks_and_refuses_without_yes(
    local_kms: KmsUnderTest, pinned_key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = _image(tmp_path / "new.eif", b"kernel v3")
    args = ["kms", "pin", "--key-id", pinned_key, "--eif-path", str(image)]
    assert main([*args, "--endpoint-url", local_kms.server.endpoint]) == 2
    assert "--yes" in capsys.readouterr().err
    assert _enclave_condition(local_kms.client(), pinned_key)["StringEqualsIgnoreCase"] == {
        "kms:RecipientAttestation:ImageSha384": OLD
    }
    assert main(["--read-only", *args, "--yes"]) != 0


def test_pin_needs_an_attestation_statement_and_a_signed_image_for_pcr8(tmp_path: Path) -> None:
    with pytest.raises(NitrodeckError, match="no Allow statement"):
        pin_policy(_policy({}), {0: "cd" * 48}, replace=False)
    image = _image(tmp_path / "unsigned.eif", b"k")
    from core.kms.pin import image_pcrs

    with pytest.raises(NitrodeckError, match="not signed"):
        image_pcrs(image, [0, 8])


def test_lockout_is_refused() -> None:
    locked = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ROOT},
                    "Action": "kms:*",
                    "Resource": "*",
                    "Condition": {
                        "StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": OLD}
                    },
                }
            ]
        }
    )
    with pytest.raises(NitrodeckError, match="lock"):
        check_not_locked_out(locked, PRINCIPAL_ARN, "arn:aws:kms:us-east-1:111122223333:key/x")
    check_not_locked_out(_policy({}), PRINCIPAL_ARN, "arn:aws:kms:us-east-1:111122223333:key/x")
