"""Issue 19, item 5, through the CLI against the local KMS: `kms pin` (and `rollout --key-id`)
changes only the chosen principal's attested statements (or the chosen Sids), never another
principal's or service's, and `--replace` cannot lock them out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kms_fixtures import KmsUnderTest
from test_kms_pin import _image

from core.eif.reader import measure_eif
from core.kms.context import IMAGE_SHA384
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN
from tui.cli.main import main

SERVICE = "arn:aws:iam::111122223333:role/billing-service"
PARENT_PCR0, SERVICE_PCR0 = "ab" * 48, "cd" * 48


def attested(sid: str, principals: list[str], pcr0: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": principals},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringEqualsIgnoreCase": {IMAGE_SHA384: pcr0}},
    }


def make_key(local_kms: KmsUnderTest, *statements: dict[str, Any]) -> str:
    admin = {
        "Sid": "admin",
        "Effect": "Allow",
        "Principal": {"AWS": ADMIN_PRINCIPAL_ARN},
        "Action": ["kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:DescribeKey"],
        "Resource": "*",
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [admin, *statements]})
    return str(local_kms.admin_client().create_key(Policy=policy)["KeyMetadata"]["KeyId"])


def conditions(local_kms: KmsUnderTest, key: str) -> dict[str, Any]:
    text = local_kms.admin_client().get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    return {
        s["Sid"]: s["Condition"]["StringEqualsIgnoreCase"][IMAGE_SHA384]
        for s in json.loads(text)["Statement"]
        if "Condition" in s
    }


@pytest.fixture
def setup(
    local_kms: KmsUnderTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[str, list[str], str]:
    monkeypatch.setenv("NITRODECK_HOME", str(local_kms.directory.parent))
    key = make_key(
        local_kms,
        attested("parent", [PRINCIPAL_ARN], PARENT_PCR0),
        attested("billing", [SERVICE], SERVICE_PCR0),
    )
    image = _image(tmp_path / "new.eif", b"kernel v9")
    args = ["kms", "pin", "--key-id", key, "--eif-path", str(image)]
    return key, [*args, "--endpoint-url", local_kms.server.endpoint], measure_eif(image).pcr0


def test_pin_replaces_only_the_chosen_principals_statement(
    local_kms: KmsUnderTest, setup: tuple[str, list[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    key, args, pcr0 = setup
    assert main([*args, "--principal", PRINCIPAL_ARN, "--replace", "--yes"]) == 0
    out = capsys.readouterr().out
    changed = [line for line in out.splitlines() if line[:1] in "+-" and line[:3] not in "+++---"]
    assert changed and all(SERVICE_PCR0 not in line for line in changed)
    assert "in statement(s) parent" in out
    assert conditions(local_kms, key) == {"parent": pcr0, "billing": SERVICE_PCR0}


def test_pin_without_a_choice_refuses_when_several_principals_are_attested(
    local_kms: KmsUnderTest, setup: tuple[str, list[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    key, args, _ = setup
    assert main([*args, "--replace", "--yes"]) == 2
    err = capsys.readouterr().err
    assert "several principals" in err and "--sid billing" in err and "--principal" in err
    assert conditions(local_kms, key) == {"parent": PARENT_PCR0, "billing": SERVICE_PCR0}
    assert main([*args, "--sid", "nope", "--yes"]) == 2
    assert "choose among: parent, billing" in capsys.readouterr().err


def test_pin_by_sid_adds_beside_in_that_statement_only(
    local_kms: KmsUnderTest, setup: tuple[str, list[str], str], capsys: pytest.CaptureFixture[str]
) -> None:
    key, args, pcr0 = setup
    assert main([*args, "--sid", "billing", "--yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["Statements"] == ["billing"]
    assert conditions(local_kms, key) == {"parent": PARENT_PCR0, "billing": [SERVICE_PCR0, pcr0]}


def test_a_statement_shared_with_another_principal_needs_its_sid(
    local_kms: KmsUnderTest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("NITRODECK_HOME", str(local_kms.directory.parent))
    key = make_key(local_kms, attested("shared", [PRINCIPAL_ARN, SERVICE], PARENT_PCR0))
    image = _image(tmp_path / "new.eif", b"kernel v10")
    args = ["kms", "pin", "--key-id", key, "--eif-path", str(image)]
    args += ["--endpoint-url", local_kms.server.endpoint, "--replace", "--yes"]
    assert main([*args, "--principal", PRINCIPAL_ARN]) == 1
    err = capsys.readouterr().err
    assert f"names {SERVICE} beside" in err and "--sid shared" in err
    assert conditions(local_kms, key) == {"shared": PARENT_PCR0}
    assert main([*args, "--sid", "shared"]) == 0
    assert conditions(local_kms, key) == {"shared": measure_eif(image).pcr0}


def test_rollouts_key_step_keeps_to_its_principal(
    local_kms: KmsUnderTest, setup: tuple[str, list[str], str]
) -> None:
    """`rollout --key-id K --key-principal P`: pin beside, then replace, in P's statement only."""
    from core.fleet.keys import KeyPin

    key, args, pcr0 = setup
    image = Path(args[args.index("--eif-path") + 1])
    step = KeyPin(local_kms.admin_client(), key, ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN)
    assert "(parent)" in step.pin_new(image)
    assert conditions(local_kms, key) == {"parent": [PARENT_PCR0, pcr0], "billing": SERVICE_PCR0}
    step.drop_old(image)
    assert conditions(local_kms, key) == {"parent": pcr0, "billing": SERVICE_PCR0}
