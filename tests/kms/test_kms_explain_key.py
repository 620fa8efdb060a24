"""The explainer with the key's facts: its state as the cause, and grants that allow (or would)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from kms_fixtures import KmsUnderTest

from core.kms.explain import explain
from core.kms.explain_key import KeyFacts
from tui.cli.main import main

ROLE = "arn:aws:iam::111122223333:role/app"
ROOT = "arn:aws:iam::111122223333:root"
ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ADMIN = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "NotAction": "kms:Decrypt", "Resource": "*"}
DECRYPT = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"}
DENY = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"}


def _grant(**extra: Any) -> dict[str, Any]:
    return {"GrantId": "ab" * 32, "GranteePrincipal": ROLE, "Operations": ["Decrypt"], **extra}


@pytest.mark.parametrize(
    "state,words,fix",
    [
        ("Disabled", "Disabled", "nitrodeck kms enable-key"),
        ("PendingDeletion", "pending deletion on 2027-01-02", "nitrodeck kms cancel-key-deletion"),
    ],
)
def test_key_state_is_the_first_cause(state: str, words: str, fix: str) -> None:
    facts = KeyFacts(ARN, state, datetime(2027, 1, 2, tzinfo=UTC))
    result = explain(_policy(ADMIN, DECRYPT), principal=ROLE, resource=ARN, key=facts)
    assert result.decision.allowed and not result.allowed
    first = result.findings[0]
    assert (first.kind, first.statement) == ("cause", "key state")
    assert words in first.message and first.fix is not None and first.fix.startswith(fix)
    management = explain(
        _policy(ADMIN), principal=ROOT, action="kms:GetKeyPolicy", resource=ARN, key=facts
    )
    assert management.allowed  # the state does not stop GetKeyPolicy


def test_grant_allows_what_the_policy_does_not() -> None:
    facts = KeyFacts(ARN, grants=(_grant(Name="app"),))
    result = explain(_policy(ADMIN), principal=ROLE, resource=ARN, key=facts)
    assert not result.decision.allowed and result.allowed
    assert result.grant is not None and result.to_json()["grant_id"] == "ab" * 32
    assert not [f for f in result.findings if f.kind == "cause"]
    (note,) = [f for f in result.findings if f.statement == "grant"]
    assert "a grant, not the key policy" in note.message and "(app)" in note.message


def test_explicit_deny_beats_the_grant_and_constraints_are_explained() -> None:
    denied = explain(
        _policy(ADMIN, DENY), principal=ROLE, resource=ARN, key=KeyFacts(ARN, grants=(_grant(),))
    )
    assert not denied.allowed and any("explicit Deny wins" in f.message for f in denied.findings)
    constrained = _grant(Constraints={"EncryptionContextEquals": {"app": "a"}})
    near = explain(
        _policy(ADMIN),
        principal=ROLE,
        resource=ARN,
        encryption_context={"app": "b"},
        key=KeyFacts(ARN, grants=(constrained,)),
    )
    assert not near.allowed
    assert any("do not match" in f.message for f in near.findings if f.statement == "grant")


def test_cli_explain_names_a_disabled_key(
    local_kms: KmsUnderTest, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NITRODECK_HOME", str(local_kms.directory.parent))
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=key)
    endpoint = local_kms.server.endpoint
    principal = local_kms.server.credentials.principal
    args = ["kms", "explain", "--key-id", key, "--endpoint-url", endpoint, "--principal", principal]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert out.startswith("DENIED") and "key state: Disabled" in out
    assert (
        f"fix: nitrodeck kms enable-key --key-id arn:aws:kms:us-east-1:111122223333:key/{key}"
        in out
    )
    kms.enable_key(KeyId=key)
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["key_state"] == "Enabled"
