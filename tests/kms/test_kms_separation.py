"""`core.kms.separation`: a principal that decrypts under attestation must not administer the key.

The issue's case (the old demo policy gave its decrypting principal kms:PutKeyPolicy) and its
variants, then the same warning through `kms explain`, the doctor and the policy screen.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.errors import NitrodeckError
from core.home import Home
from core.kms.audit import audit_key
from core.kms.demo import demo_key_policy
from core.kms.explain import explain
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN
from core.kms.local.store import KmsStore
from core.kms.policy_audit import check_local_key_policies
from core.kms.separation import admin_overlaps
from tui.cli.main import main
from tui.screens.kms_policy import audit_warnings

PCR0 = "ab" * 48
ROLE = "arn:aws:iam::111122223333:role/enclave-parent"
ATTESTED = {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": PCR0}}


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal: str, action: str | list[str], **extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": action,
        "Resource": "*",
    } | extra


DECRYPT = allow(ROLE, "kms:Decrypt", Sid="enclave-decrypt", Condition=ATTESTED)
ISSUE_14 = policy(
    allow(ROLE, ["kms:Create*", "kms:Encrypt", "kms:PutKeyPolicy"], Sid="admin"), DECRYPT
)


def test_the_demo_policy_separates_the_roles() -> None:
    assert (
        admin_overlaps(demo_key_policy(PCR0, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN))
        == ()
    )


def test_the_issues_policy_is_named_by_statement() -> None:
    (overlap,) = admin_overlaps(ISSUE_14)
    assert (overlap.decrypt_statement, overlap.admin_statement) == ("enclave-decrypt", "admin")
    # kms:Create* covers kms:CreateGrant too
    assert overlap.actions == ("kms:PutKeyPolicy", "kms:CreateGrant")
    assert overlap.decryptor == ROLE and not overlap.via_account
    assert "enclave-decrypt" in overlap.message and "admin" in overlap.message


@pytest.mark.parametrize(
    ("admin", "actions"),
    [
        (allow(ROLE, "kms:*"), ("kms:PutKeyPolicy", "kms:CreateGrant")),
        (allow(ROLE, "kms:CreateGrant"), ("kms:CreateGrant",)),
        (allow(ROLE, "*"), ("kms:PutKeyPolicy", "kms:CreateGrant")),
        (
            {"Effect": "Allow", "Principal": "*", "Action": "kms:Put*", "Resource": "*"},
            ("kms:PutKeyPolicy",),
        ),
        (
            {
                "Effect": "Allow",
                "Principal": {"AWS": ROLE},
                "NotAction": "kms:Decrypt",
                "Resource": "*",
            },
            ("kms:PutKeyPolicy", "kms:CreateGrant"),
        ),
    ],
)
def test_variants_are_found_and_unnamed_statements_get_their_index(
    admin: dict[str, Any], actions: tuple[str, ...]
) -> None:
    (overlap,) = admin_overlaps(policy(DECRYPT, admin))
    assert overlap.actions == actions and overlap.admin_statement == "Statement[1]"


def test_the_account_principal_is_reported_as_iam_delegation() -> None:
    root = allow("arn:aws:iam::111122223333:root", "kms:*", Sid="Enable IAM User Permissions")
    (overlap,) = admin_overlaps(policy(root, DECRYPT))
    assert overlap.via_account and "any IAM policy may grant them" in overlap.message


@pytest.mark.parametrize(
    "harmless",
    [
        allow(ADMIN_PRINCIPAL_ARN, "kms:*"),  # someone else administers
        allow(ROLE, ["kms:Encrypt", "kms:DescribeKey", "kms:GetKeyPolicy"]),  # read and encrypt
        allow(ROLE, "kms:PutKeyPolicy", Condition=ATTESTED),  # only with a document: never
        allow("arn:aws:iam::444455556666:root", "kms:*"),  # another account
    ],
)
def test_separated_roles_are_not_flagged(harmless: dict[str, Any]) -> None:
    assert admin_overlaps(policy(DECRYPT, harmless)) == ()


def test_an_explicit_deny_clears_that_action_only() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": ROLE},
        "Action": "kms:PutKeyPolicy",
        "Resource": "*",
    }
    (overlap,) = admin_overlaps(policy(DECRYPT, allow(ROLE, "kms:*"), deny))
    assert overlap.actions == ("kms:CreateGrant",)


def test_the_demo_refuses_one_principal_for_both_roles() -> None:
    with pytest.raises(NitrodeckError) as caught:
        demo_key_policy(PCR0, admin=ROLE, decryptor=ROLE)
    assert "kms:PutKeyPolicy" in caught.value.what and caught.value.fix
    with pytest.raises(NitrodeckError):  # the account's root would cover the decryptor too
        demo_key_policy(PCR0, admin="arn:aws:iam::111122223333:root", decryptor=ROLE)


def test_explain_warns_naming_the_statement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = explain(ISSUE_14, principal=ROLE, pcrs={0: bytes.fromhex(PCR0)})
    assert result.decision.allowed
    warnings = [f for f in result.findings if "rewrite the conditions away" in f.message]
    assert len(warnings) == 1 and warnings[0].statement == "admin"
    file = tmp_path / "policy.json"
    file.write_text(ISSUE_14)
    code = main(
        ["kms", "explain", "--policy", str(file), "--pcr", f"0={PCR0}", "--principal", ROLE]
    )
    out = capsys.readouterr().out
    assert code == 0 and "(statement admin;" in out and "statement enclave-decrypt" in out


def test_doctor_flags_a_local_key_and_passes_the_demo(nitrodeck_home: Path) -> None:
    assert check_local_key_policies(Home.resolve()).ok  # no local KMS yet
    store = KmsStore(nitrodeck_home / "kms")
    good = demo_key_policy(PCR0, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    store.create_key("11111111-1111-1111-1111-111111111111", "", good, bytes(32))
    assert check_local_key_policies(Home.resolve()).ok
    store.create_key("22222222-2222-2222-2222-222222222222", "", ISSUE_14, bytes(32))
    store.close()
    check = check_local_key_policies(Home.resolve())
    assert not check.ok and check.hint
    evidence = check.evidence
    assert "key 22222222-2222-2222-2222-222222222222" in evidence and "admin" in evidence
    assert "11111111" not in check.evidence


def test_policy_screen_markup_names_the_statement() -> None:
    assert "statement admin" in audit_warnings(audit_key(ISSUE_14, []))
    demo = demo_key_policy(PCR0, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    assert audit_warnings(audit_key(demo, [])) == ""
    assert "could not be listed" in audit_warnings(audit_key(demo, None))
