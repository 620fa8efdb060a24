"""`core.kms.audit`: every path to a key's plaintext, on keys built through boto3 against the
local KMS and read back with GetKeyPolicy and ListGrants, as `kms keys` and the doctor read them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kms_fixtures import PROD_PCR0, KmsUnderTest

from core.home import Home
from core.kms.audit import KeyAudit, audit_key
from core.kms.context import IMAGE_SHA384
from core.kms.demo import READ_SID, demo_key_policy
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN

OTHER = "arn:aws:iam::111122223333:role/other"
ROOT = "arn:aws:iam::111122223333:root"


def demo_policy(**changes: Any) -> dict[str, Any]:
    """The demo key's policy, with statements changed by Sid (value None drops it)."""
    policy = json.loads(
        demo_key_policy(PROD_PCR0.hex(), admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    )
    for sid, change in changes.items():
        found = [s for s in policy["Statement"] if s["Sid"] == sid.replace("_", "-")]
        for statement in found:
            policy["Statement"].remove(statement)
            if change is not None:
                policy["Statement"].append({**statement, **change})
    return policy


def build(local_kms: KmsUnderTest, policy: dict[str, Any], *grants: dict[str, Any]) -> KeyAudit:
    admin = local_kms.admin_client()
    key = admin.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
    for grant in grants:
        admin.create_grant(KeyId=key, **grant)
    text = admin.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    return audit_key(text, admin.list_grants(KeyId=key)["Grants"], key_arn=key)


def open_paths(audit: KeyAudit) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(p.via, p.principal, p.operations) for p in audit.open_paths}


def test_the_demo_key_is_pinned(local_kms: KmsUnderTest) -> None:
    audit = build(local_kms, demo_policy())
    assert audit.verdict == "pinned" and not audit.open_paths
    (attested,) = [p for p in audit.paths if p.attested]
    assert (attested.principal, attested.operations) == (PRINCIPAL_ARN, ("Decrypt",))
    (admin,) = [p for p in audit.paths if p.via == "administration"]
    assert admin.principal == ADMIN_PRINCIPAL_ARN and not admin.open
    assert admin.operations == ("PutKeyPolicy", "CreateGrant")


def test_a_decrypt_grant_opens_the_pin(local_kms: KmsUnderTest) -> None:
    grant = {
        "GranteePrincipal": PRINCIPAL_ARN,
        "Operations": ["Decrypt", "Encrypt"],
        "Name": "debug",
    }
    audit = build(local_kms, demo_policy(), grant)
    assert audit.verdict == "OPEN"
    assert open_paths(audit) == {("grant", PRINCIPAL_ARN, ("Decrypt",))}
    (path,) = audit.open_paths
    assert path.source.endswith("(debug)") and f"--grant-id {path.source.split()[0]}" in str(
        path.fix
    )


def test_a_grant_chain_through_createGrant_is_named(local_kms: KmsUnderTest) -> None:
    grant = {
        "GranteePrincipal": OTHER,
        "Operations": ["CreateGrant", "GenerateDataKey", "ReEncryptFrom"],
        "Constraints": {"EncryptionContextSubset": {"app": "x"}},
    }
    audit = build(local_kms, demo_policy(), grant)
    assert open_paths(audit) == {
        ("grant", OTHER, ("ReEncryptFrom", "GenerateDataKey")),
        (
            "grant chain",
            f"anyone {OTHER} names",
            ("CreateGrant", "GenerateDataKey", "ReEncryptFrom"),
        ),
    }
    assert "'app': 'x'" in audit.open_paths[0].detail  # the constraints are shown, not trusted


def test_a_createGrant_only_grant_reaches_no_plaintext(local_kms: KmsUnderTest) -> None:
    audit = build(
        local_kms, demo_policy(), {"GranteePrincipal": PRINCIPAL_ARN, "Operations": ["CreateGrant"]}
    )
    assert audit.verdict == "pinned"
    (chain,) = [p for p in audit.paths if p.via == "grant chain"]
    assert not chain.open and "no plaintext" in chain.detail


def test_createGrant_in_the_decryptors_policy_statement_opens_the_pin(
    local_kms: KmsUnderTest,
) -> None:
    policy = demo_policy(
        **{READ_SID.replace("-", "_"): {"Action": ["kms:Encrypt", "kms:CreateGrant"]}}
    )
    audit = build(local_kms, policy)
    assert audit.verdict == "OPEN"
    assert open_paths(audit) == {("administration", PRINCIPAL_ARN, ("CreateGrant",))}
    assert "rewrite the conditions away" in audit.open_paths[0].detail


@pytest.mark.parametrize(
    ("statement", "verdict"),
    [
        # AWS's default statement: the account may do anything, Decrypt included
        ({"Principal": {"AWS": ROOT}, "Action": "kms:*"}, "OPEN"),
        # an attestation condition that holds without a document is no condition
        (
            {
                "Principal": {"AWS": OTHER},
                "Action": "kms:Decrypt",
                "Condition": {"StringEqualsIgnoreCaseIfExists": {IMAGE_SHA384: PROD_PCR0.hex()}},
            },
            "OPEN",
        ),
    ],
)
def test_unattested_statements_are_open_paths(
    local_kms: KmsUnderTest, statement: dict[str, Any], verdict: str
) -> None:
    policy = demo_policy()
    policy["Statement"].append({"Sid": "extra", "Effect": "Allow", "Resource": "*", **statement})
    audit = build(local_kms, policy)
    assert audit.verdict == verdict
    assert ("statement", "extra") in {(p.via, p.source) for p in audit.open_paths}


def test_a_deny_without_attestation_closes_grants(local_kms: KmsUnderTest) -> None:
    policy = demo_policy()
    policy["Statement"].append(
        {
            "Sid": "deny-unattested",
            "Effect": "Deny",
            "Principal": "*",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
            "Resource": "*",
            "Condition": {"Null": {IMAGE_SHA384: "true"}},
        }
    )
    grant = {"GranteePrincipal": PRINCIPAL_ARN, "Operations": ["Decrypt", "CreateGrant"]}
    audit = build(local_kms, policy, grant)
    assert audit.verdict == "pinned", audit.summary


def test_unread_grants_and_broken_policies_say_so() -> None:
    policy = json.dumps(demo_policy())
    assert audit_key(policy, None).verdict == "pinned?"
    assert audit_key("{", []).verdict == "unknown"
    assert (
        audit_key(json.dumps(demo_policy(decrypt_only_in_enclave=None)), []).verdict == "NOT pinned"
    )


def test_the_doctor_names_a_grant_that_opens_a_pinned_key(
    local_kms: KmsUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.kms.policy_audit import check_local_key_policies

    monkeypatch.setenv("NITRODECK_HOME", str(local_kms.directory.parent))
    build(local_kms, demo_policy())
    assert check_local_key_policies(Home.resolve()).ok
    build(local_kms, demo_policy(), {"GranteePrincipal": PRINCIPAL_ARN, "Operations": ["Decrypt"]})
    check = check_local_key_policies(Home.resolve())
    assert not check.ok and "revoke-grant" in check.hint
    assert f"{PRINCIPAL_ARN} via grant" in check.evidence and "1 open path" in check.evidence


def test_explain_lists_the_paths_and_revoke_grant_closes_one(
    local_kms: KmsUnderTest, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli.main import main

    monkeypatch.setenv("NITRODECK_HOME", str(local_kms.directory.parent))
    admin = local_kms.admin_client()
    key = admin.create_key(Policy=json.dumps(demo_policy()))["KeyMetadata"]["KeyId"]
    grant = admin.create_grant(KeyId=key, GranteePrincipal=PRINCIPAL_ARN, Operations=["Decrypt"])
    endpoint = ["--key-id", key, "--endpoint-url", local_kms.server.endpoint]
    assert main(["kms", "explain", *endpoint]) == 0  # the grant allows a plain Decrypt
    out = capsys.readouterr().out
    assert "pin: OPEN: 1 open path" in out and f"allowed by grant {grant['GrantId']}" in out
    assert f"attested {PRINCIPAL_ARN}: Decrypt via statement decrypt-only-in-enclave" in out
    assert f"OPEN     {PRINCIPAL_ARN}: Decrypt via grant {grant['GrantId']}" in out
    arn = f"arn:aws:kms:us-east-1:111122223333:key/{key}"
    fix = f"nitrodeck kms revoke-grant --key-id {arn} --grant-id {grant['GrantId']}"
    assert f"fix: revoke the grant as the key administrator: {fix}" in out
    revoke = ["kms", "revoke-grant", *endpoint, "--grant-id", grant["GrantId"]]
    assert main(["--read-only", *revoke]) != 0 and "read-only" in capsys.readouterr().err
    assert main(revoke) == 0
    assert f"grant {grant['GrantId']} of" in capsys.readouterr().out
    assert main(["kms", "explain", *endpoint, "--json"]) == 1  # denied without attestation
    result = json.loads(capsys.readouterr().out)
    assert result["audit"]["Verdict"] == "pinned" and not result["allowed_by_kms"]


ZEROS = "0" * 96


@pytest.mark.parametrize(
    "condition",
    [
        {"Null": {IMAGE_SHA384: "false"}},  # any document: any image the parent builds
        {"StringLike": {IMAGE_SHA384: "*"}},
        {"StringEqualsIgnoreCase": {IMAGE_SHA384: ZEROS}},  # every debug-mode enclave
        {"StringEqualsIgnoreCase": {IMAGE_SHA384: [PROD_PCR0.hex(), ZEROS]}},
        # the parent's own instance and role: every enclave it starts has them
        {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:PCR4": "ab" * 48}},
        {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:PCR3": "ab" * 48}},
    ],
)
def test_attestation_that_pins_no_image_is_not_a_pin(
    local_kms: KmsUnderTest, monkeypatch: pytest.MonkeyPatch, condition: dict[str, Any]
) -> None:
    """The attack: the condition needs a document, but the parent can start an enclave of its
    own (a debug one prints what it decrypts) whose document meets it."""
    from core.kms.policy_audit import check_local_key_policies

    monkeypatch.setenv("NITRODECK_HOME", str(local_kms.directory.parent))
    audit = build(local_kms, demo_policy(decrypt_only_in_enclave={"Condition": condition}))
    assert audit.verdict == "OPEN", audit.summary
    (path,) = audit.open_paths
    assert (path.via, path.source, path.principal) == (
        "statement",
        "decrypt-only-in-enclave",
        PRINCIPAL_ARN,
    )
    assert "name no image" in path.detail and IMAGE_SHA384 in str(path.fix)
    check = check_local_key_policies(Home.resolve())
    assert not check.ok and "decrypt-only-in-enclave" in check.evidence


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"kms:RecipientAttestation:PCR0": PROD_PCR0.hex()}},
        {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:PCR8": "ab" * 48}},
        {  # a specific image, plus the parent's instance: still that image
            "StringEqualsIgnoreCase": {
                "kms:RecipientAttestation:PCR2": "cd" * 48,
                "kms:RecipientAttestation:PCR4": "ab" * 48,
            }
        },
    ],
)
def test_attestation_naming_an_image_or_signer_pins(
    local_kms: KmsUnderTest, condition: dict[str, Any]
) -> None:
    audit = build(local_kms, demo_policy(decrypt_only_in_enclave={"Condition": condition}))
    assert audit.verdict == "pinned", audit.summary
