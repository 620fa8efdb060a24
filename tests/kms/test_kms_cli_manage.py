"""`nitrodeck kms enable-key / disable-key / schedule-key-deletion / cancel-key-deletion /
get-key-policy / put-key-policy` against the running local KMS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from kms_fixtures import KmsUnderTest

from core.kms.demo import demo_key_policy
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, ADMIN_PROFILE, PRINCIPAL_ARN
from core.kms.target import KmsTarget, boto3_client
from tui.cli.main import main


def target_of(kms: KmsUnderTest) -> KmsTarget:
    return KmsTarget(kms.server.endpoint, "us-east-1", kms.server.credentials_path)


@pytest.fixture
def cli_kms(local_kms: KmsUnderTest, monkeypatch: pytest.MonkeyPatch) -> KmsUnderTest:
    monkeypatch.setenv("NITRODECK_HOME", str(local_kms.directory.parent))
    return local_kms


def _run(kms: KmsUnderTest, *args: str) -> int:
    return main(["kms", *args, "--endpoint-url", kms.server.endpoint])


def test_state_commands_by_alias(cli_kms: KmsUnderTest, capsys: pytest.CaptureFixture[str]) -> None:
    kms = cli_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/lab", TargetKeyId=key)
    assert _run(cli_kms, "disable-key", "--key-id", "alias/lab", "--yes", "--json") == 0
    assert json.loads(capsys.readouterr().out)["KeyState"] == "Disabled"
    assert _run(cli_kms, "enable-key", "--key-id", "alias/lab", "--yes") == 0  # README: [--yes]
    assert capsys.readouterr().out == f"{key}: Enabled\n"
    args = ["schedule-key-deletion", "--key-id", key, "--pending-window-in-days", "7", "--yes"]
    assert _run(cli_kms, *args, "--json") == 0
    scheduled = json.loads(capsys.readouterr().out)
    assert scheduled["KeyState"] == "PendingDeletion" and scheduled["DeletionDate"]
    assert _run(cli_kms, "enable-key", "--key-id", key) == 1
    assert "KMSInvalidStateException" in capsys.readouterr().err
    assert _run(cli_kms, "cancel-key-deletion", "--key-id", key, "--yes", "--json") == 0
    assert json.loads(capsys.readouterr().out)["KeyState"] == "Disabled"


def test_destructive_commands_need_yes_without_a_terminal(
    cli_kms: KmsUnderTest, capsys: pytest.CaptureFixture[str]
) -> None:
    key = cli_kms.client().create_key()["KeyMetadata"]["KeyId"]
    assert _run(cli_kms, "disable-key", "--key-id", key) == 2
    assert "--yes" in capsys.readouterr().err
    assert cli_kms.client().describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
    assert main(["--read-only", "kms", "disable-key", "--key-id", key, "--yes"]) != 0
    assert "read-only" in capsys.readouterr().err


def test_put_and_get_policy(
    cli_kms: KmsUnderTest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = cli_kms.client().create_key()["KeyMetadata"]["KeyId"]
    assert _run(cli_kms, "get-key-policy", "--key-id", key, "--json") == 0
    policy = json.loads(json.loads(capsys.readouterr().out)["Policy"])
    policy["Statement"][0]["Sid"] = "Admins"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(policy))
    assert _run(cli_kms, "put-key-policy", "--key-id", key, "--policy", str(path), "--yes") == 0
    out = capsys.readouterr().out
    assert '+      "Sid": "Admins",' in out and "replaced" in out
    assert _run(cli_kms, "get-key-policy", "--key-id", key) == 0
    assert json.loads(capsys.readouterr().out)["Statement"][0]["Sid"] == "Admins"


def test_commands_act_as_the_key_administrator(
    cli_kms: KmsUnderTest, capsys: pytest.CaptureFixture[str]
) -> None:
    """A demo key's policy lets only nitrodeck-admin manage it: the commands sign as that."""
    admin = boto3_client(target_of(cli_kms), profile=ADMIN_PROFILE)
    policy = demo_key_policy("ab" * 48, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    key = admin.create_key(Policy=policy)["KeyMetadata"]["KeyId"]
    with pytest.raises(ClientError):
        cli_kms.client().disable_key(KeyId=key)  # the decrypting principal may not
    assert _run(cli_kms, "disable-key", "--key-id", key, "--yes", "--json") == 0
    assert json.loads(capsys.readouterr().out)["KeyState"] == "Disabled"


def test_a_waiting_period_out_of_range_says_the_range(
    cli_kms: KmsUnderTest, capsys: pytest.CaptureFixture[str]
) -> None:
    key = cli_kms.client().create_key()["KeyMetadata"]["KeyId"]
    args = ["schedule-key-deletion", "--key-id", key, "--pending-window-in-days", "3", "--yes"]
    assert _run(cli_kms, *args) == 2
    err = capsys.readouterr().err
    assert "must be 7 to 30 days, not 3" in err and "\n  fix: pass 7 to 30" in err
    assert cli_kms.client().describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Enabled"
