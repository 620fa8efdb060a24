"""`nitrodeck kms explain` and `kms keys` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kms_fixtures import KmsUnderTest

from tui.cli.main import main

ROLE = "arn:aws:iam::111122223333:role/parent"
SESSION = "arn:aws:sts::111122223333:assumed-role/parent/i-0abc"


def _write_policy(tmp_path: Path, pcr0_hex: str) -> Path:
    policy = {
        "Statement": [
            {
                "Sid": "Enclave",
                "Effect": "Allow",
                "Principal": {"AWS": ROLE},
                "Action": "kms:Decrypt",
                "Resource": "*",
                "Condition": {
                    "StringEqualsIgnoreCase": {"kms:RecipientAttestation:PCR0": pcr0_hex}
                },
            }
        ]
    }
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy))
    return path


def test_explain_text_with_document(
    tmp_path: Path, vectors: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = _write_policy(tmp_path, "ab" * 48)
    code = main(
        [
            "kms",
            "explain",
            "--policy",
            str(policy),
            "--attestation",
            str(vectors / "evervault_debug_2022-10-12.cose"),
            "--principal",
            SESSION,
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith(f"DENIED: {SESSION} kms:Decrypt (with attestation, debug mode)")
    assert "cause [Enclave]: the enclave runs in debug mode: its PCR0 is all zeros" in out
    assert f"expected {'ab' * 48}" in out and f"actual   {'00' * 48}" in out


def test_explain_json_with_pcr_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = _write_policy(tmp_path, "ab" * 48)
    code = main(
        [
            "kms",
            "explain",
            "--policy",
            str(policy),
            "--pcr",
            f"0={'AB' * 48}",
            "--principal",
            SESSION,
            "--json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["allowed"] is True and data["findings"] == []


@pytest.mark.parametrize("pcr", ["0=zz", "x=ab", "40=" + "ab" * 48, "0=" + "ab" * 47])
def test_explain_bad_pcr_is_a_usage_error(
    tmp_path: Path, pcr: str, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = _write_policy(tmp_path, "ab" * 48)
    assert main(["kms", "explain", "--policy", str(policy), "--pcr", pcr]) == 2
    assert "--pcr" in capsys.readouterr().err


def test_explain_bad_inputs_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"Statement": [')
    assert (
        main(["kms", "explain", "--policy", str(bad)]) == 2
    )  # bad input, as with argparse and `attestation verify --policy`
    assert "not valid JSON" in capsys.readouterr().err
    policy = _write_policy(tmp_path, "ab" * 48)
    garbage = tmp_path / "doc.cose"
    garbage.write_bytes(b"\xff\x00garbage")
    assert main(["kms", "explain", "--policy", str(policy), "--attestation", str(garbage)]) != 0
    assert "not an attestation document" in capsys.readouterr().err


def test_keys_lists_aliases_and_the_audits_verdict(
    local_kms: KmsUnderTest, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PCR0 condition beside AWS's default statement (the account may kms:*) is not a pin:
    `kms keys` says OPEN and names the statement; the demo key's policy is pinned until a grant
    (listed as the administrator: the parent may not list grants) reopens it."""
    from core.kms.demo import demo_key_policy
    from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN

    monkeypatch.setenv("NITRODECK_HOME", str(local_kms.directory.parent))
    kms, admin = local_kms.client(), local_kms.admin_client()
    plain = kms.create_key(Description="plain")["KeyMetadata"]["KeyId"]
    leaky = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/leaky", TargetKeyId=leaky)
    policy = json.loads(kms.get_key_policy(KeyId=leaky)["Policy"])
    policy["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": "ab" * 48}
            },
        }
    )
    kms.put_key_policy(KeyId=leaky, PolicyName="default", Policy=json.dumps(policy))
    demo = demo_key_policy("ab" * 48, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    pinned = admin.create_key(Policy=demo)["KeyMetadata"]["KeyId"]
    endpoint = ["--endpoint-url", local_kms.server.endpoint]
    assert main(["kms", "keys", *endpoint, "--json"]) == 0
    rows = {row["KeyId"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows[plain]["Attestation"] == "NOT pinned" and rows[plain]["Description"] == "plain"
    assert rows[leaky]["Attestation"] == "OPEN" and rows[leaky]["Aliases"] == ["alias/leaky"]
    (path,) = rows[leaky]["Audit"]["Paths"][:1]
    assert path["Open"] and path["Via"] == "statement" and "Decrypt" in path["Operations"]
    assert rows[pinned]["Attestation"] == "pinned" and rows[pinned]["PinsAttestation"] is True
    grant = admin.create_grant(KeyId=pinned, GranteePrincipal=PRINCIPAL_ARN, Operations=["Decrypt"])
    assert main(["kms", "keys", *endpoint]) == 0
    text = capsys.readouterr().out
    assert f"{pinned}  OPEN         Enabled" in text and f"{leaky}  OPEN " in text
    assert f"open: {PRINCIPAL_ARN} via grant {grant['GrantId']}" in text
    assert "NOT pinned" in text


def test_keys_without_server_says_how_to_start_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kms", "keys"]) == 1
    assert "nitrodeck kms serve" in capsys.readouterr().err


def test_serve_refuses_public_bind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kms", "serve", "--host", "0.0.0.0", "--port", "0"]) == 1
    assert "loopback only" in capsys.readouterr().err


def test_explain_fetches_the_policy_of_a_key(
    local_kms: KmsUnderTest, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NITRODECK_HOME", str(local_kms.directory.parent))
    kms = local_kms.client()
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=key_id)
    code = main(
        [
            "kms",
            "explain",
            "--key-id",
            "alias/app",
            "--endpoint-url",
            local_kms.server.endpoint,
            "--json",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["allowed"] is True  # the default policy: the account root may do all
    assert data["reason"] == "allowed by statement [Enable IAM User Permissions]"
    assert [f["kind"] for f in data["findings"]] == ["warning"]
    assert (
        main(
            [
                "kms",
                "explain",
                "--key-id",
                "alias/none",
                "--endpoint-url",
                local_kms.server.endpoint,
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert "NotFoundException" in err and "nitrodeck kms keys" in err  # the fix names the key
