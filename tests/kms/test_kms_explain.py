"""The explainer: each well-known denial cause is named with expected, actual and a fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.kms.document import document_pcrs
from core.kms.explain import Explanation, explain
from core.kms.keynames import check_key

ACCOUNT = "111122223333"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/parent/i-0abc"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/parent"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _enclave_allow(
    key: str, value: str, operator: str = "StringEqualsIgnoreCase"
) -> dict[str, Any]:
    return {
        "Sid": "Enclave",
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {operator: {key: value}},
    }


def _causes(result: Explanation) -> list[str]:
    return [f.message for f in result.findings if f.kind == "cause"]


def _pcrs(vectors: Path, name: str) -> dict[int, bytes]:
    return document_pcrs((vectors / name).read_bytes())


def test_pcr0_of_another_build(vectors: Path) -> None:
    actual = _pcrs(vectors, "base_prod_2024-11-30.cose")
    pinned = _pcrs(vectors, "evervault_prod_2022-10-13.cose")[0].hex()
    result = explain(
        _policy(_enclave_allow("kms:RecipientAttestation:ImageSha384", pinned)),
        principal=SESSION,
        pcrs=actual,
    )
    assert not result.decision.allowed
    (cause,) = _causes(result)
    assert cause.startswith("PCR0 in the policy is not the enclave image the enclave runs")
    assert pinned in cause and actual[0].hex() in cause
    assert (
        result.findings[0].fix == f"update the policy to {actual[0].hex()} or run the image it pins"
    )


def test_matching_pcr0_allows(vectors: Path) -> None:
    actual = _pcrs(vectors, "base_prod_2024-11-30.cose")
    result = explain(
        _policy(_enclave_allow("kms:RecipientAttestation:PCR0", actual[0].hex())),
        principal=SESSION,
        pcrs=actual,
    )
    assert result.decision.allowed and _causes(result) == []


def test_debug_mode_zeros(vectors: Path) -> None:
    actual = _pcrs(vectors, "evervault_debug_2022-10-12.cose")
    pinned = _pcrs(vectors, "evervault_prod_2022-10-13.cose")[0].hex()
    result = explain(
        _policy(_enclave_allow("kms:RecipientAttestation:ImageSha384", pinned)),
        principal=SESSION,
        pcrs=actual,
    )
    assert result.debug_mode and not result.decision.allowed
    (cause,) = _causes(result)
    assert cause.startswith("the enclave runs in debug mode: its PCR0 is all zeros")


def test_pcr3_mismatch_names_the_role(vectors: Path) -> None:
    actual = _pcrs(vectors, "evervault_prod_2022-10-13.cose")
    result = explain(
        _policy(_enclave_allow("kms:RecipientAttestation:PCR3", "00" * 48)),
        principal=SESSION,
        pcrs=actual,
    )
    (cause,) = _causes(result)
    assert "PCR3 in the policy is not the parent instance's IAM role" in cause


def test_upper_case_hex_with_string_equals(vectors: Path) -> None:
    actual = _pcrs(vectors, "base_prod_2024-11-30.cose")
    policy = _policy(
        _enclave_allow("kms:RecipientAttestation:PCR0", actual[0].hex().upper(), "StringEquals")
    )
    (cause,) = _causes(explain(policy, principal=SESSION, pcrs=actual))
    assert "upper-case hex" in cause


def test_no_attestation_document() -> None:
    result = explain(
        _policy(_enclave_allow("kms:RecipientAttestation:PCR0", "ab" * 48)), principal=SESSION
    )
    (cause,) = _causes(result)
    assert "has no attestation document" in cause


def test_unconditioned_allow_is_flagged() -> None:
    root = {
        "Sid": "Root",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
    result = explain(
        _policy(root, _enclave_allow("kms:RecipientAttestation:PCR0", "ab" * 48)), principal=SESSION
    )
    assert result.decision.allowed  # the root grant lets the parent decrypt without any enclave
    warnings = [f for f in result.findings if f.kind == "warning"]
    assert [w.statement for w in warnings] == ["Root", "Root"]
    assert "rewrite the conditions away" in warnings[1].message  # and it administers the key
    assert "lets the parent decrypt without any enclave" in warnings[0].message


def test_if_exists_on_attestation_is_flagged() -> None:
    policy = _policy(
        _enclave_allow("kms:RecipientAttestation:PCR0", "ab" * 48, "StringEqualsIfExists")
    )
    result = explain(policy, principal=SESSION)
    assert result.decision.allowed
    assert any("also holds for requests without attestation" in f.message for f in result.findings)


def test_incomplete_key_under_null_denies_everyone(vectors: Path) -> None:
    """aws/aws-nitro-enclaves-sdk-c#157: Null on `kms:RecipientAttestation` always holds."""
    actual = _pcrs(vectors, "base_prod_2024-11-30.cose")
    deny = {
        "Sid": "DenyUnattested",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"Null": {"kms:RecipientAttestation": "true"}},
    }
    result = explain(
        _policy(_enclave_allow("kms:RecipientAttestation:PCR0", actual[0].hex()), deny),
        principal=SESSION,
        pcrs=actual,
    )
    assert result.decision.explicit_deny
    causes = _causes(result)
    assert any("explicit Deny applies" in c for c in causes)
    assert any("'kms:RecipientAttestation' is not a condition key" in c for c in causes)


@pytest.mark.parametrize(
    ("key", "is_cause", "fragment"),
    [
        ("kms:RecipientAttestation:ImageSHA384", False, "only in case"),
        ("kms:RecipientAttestation:ImageSha256", True, "misspelled"),
        ("kms:RecipientAttestation:PCR32", True, "misspelled"),
        ("kms:PCR0", True, "wrong prefix"),
        ("aws:RecipientAttestation:PCR0", True, "wrong prefix"),
        ("kms:ImageSha384", True, "wrong prefix"),
        ("kms:CallerAcount", True, "looks like 'kms:CallerAccount'"),
    ],
)
def test_key_spelling(key: str, is_cause: bool, fragment: str) -> None:
    problem = check_key(key)
    assert problem is not None and problem.is_cause is is_cause and fragment in problem.message


@pytest.mark.parametrize(
    "key",
    [
        "kms:RecipientAttestation:ImageSha384",
        "kms:RecipientAttestation:PCR31",
        "kms:EncryptionContext:Purpose",
        "aws:PrincipalArn",
        "my:custom",
    ],
)
def test_good_keys_pass(key: str) -> None:
    assert check_key(key) is None


def test_misspelled_key_in_allow_is_the_cause(vectors: Path) -> None:
    actual = _pcrs(vectors, "base_prod_2024-11-30.cose")
    policy = _policy(_enclave_allow("kms:RecipientAttestation:PCR-0", actual[0].hex()))
    result = explain(policy, principal=SESSION, pcrs=actual)
    assert not result.decision.allowed
    assert any("misspelled" in c for c in _causes(result))


def test_json_shape(vectors: Path) -> None:
    actual = _pcrs(vectors, "evervault_debug_2022-10-12.cose")
    result = explain(
        _policy(_enclave_allow("kms:RecipientAttestation:PCR0", "ab" * 48)),
        principal=SESSION,
        pcrs=actual,
    )
    data = json.loads(json.dumps(result.to_json()))
    assert data["allowed"] is False and data["debug_mode"] is True
    (statement,) = data["statements"]
    (condition,) = statement["conditions"]
    assert condition == {
        "operator": "StringEqualsIgnoreCase",
        "key": "kms:RecipientAttestation:PCR0",
        "expected": ["ab" * 48],
        "actual": ["00" * 48],
        "matched": False,
    }
    assert data["findings"][0]["kind"] == "cause"


@pytest.mark.parametrize(
    ("operator", "fix"),
    [
        ("StringEqualsIfExists", "use StringEquals"),
        ("ForAllValues:StringEqualsIgnoreCase", "use StringEqualsIgnoreCase"),
        ("StringNotEquals", "use StringEquals"),
        ("StringNotLike", "use StringLike"),
    ],
)
def test_allow_operators_that_hold_without_attestation(operator: str, fix: str) -> None:
    policy = _policy(_enclave_allow("kms:RecipientAttestation:PCR0", "ab" * 48, operator))
    result = explain(policy, principal=SESSION)
    assert result.decision.allowed  # no document at all, and still allowed
    (warning,) = [f for f in result.findings if "without attestation" in f.message]
    assert warning.fix is not None and warning.fix.startswith(fix)
