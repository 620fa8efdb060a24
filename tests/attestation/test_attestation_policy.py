"""Expected PCRs from a KMS key policy's kms:RecipientAttestation conditions."""

from __future__ import annotations

from typing import Any

import pytest
from attestation_vectors import at_ms

from core.attestation import (
    Expectations,
    PolicyError,
    TrustAnchor,
    policy_expectations,
    verify,
)

PCR0 = (
    "ec74bfbe7f7445a6c7610e152935e028276f638042b74797"
    "b119648e13f7a3675796b721034c320f140ea001b41aeae2"
)
PCR1 = (
    "fa2593b59f3e4fc7daba5cbdddfd3449d67cd02d43bb1128"
    "885e8f38b914d081dccdb68fff6d5b7a76bcb866a18a74a3"
)


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(condition: dict[str, Any], effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Action": "kms:Decrypt", "Resource": "*", "Condition": condition}


def test_image_sha384_is_pcr0_and_pcr_keys_are_numbered() -> None:
    found = policy_expectations(
        policy(
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
            allow(
                {
                    "StringEqualsIgnoreCase": {
                        "kms:RecipientAttestation:ImageSha384": PCR0.upper(),
                        "kms:RecipientAttestation:PCR1": [PCR1],
                        "aws:PrincipalTag/x": "y",
                    }
                }
            ),
            allow({"StringEquals": {"kms:RecipientAttestation:PCR0": "ab" * 48}}, effect="Deny"),
            allow({"StringLike": {"kms:RecipientAttestation:PCR2": "*"}}),
        )
    )
    assert found == {0: bytes.fromhex(PCR0), 1: bytes.fromhex(PCR1)}


def test_single_statement_object_and_case_insensitive_keys() -> None:
    statement = allow({"StringEquals": {"KMS:recipientattestation:pcr8": "cd" * 48}})
    assert policy_expectations({"Statement": statement}) == {8: b"\xcd" * 48}


def test_two_values_for_one_pcr_cannot_be_one_expectation() -> None:
    with pytest.raises(PolicyError, match="PCR0 is allowed with two values") as caught:
        policy_expectations(
            policy(
                allow({"StringEquals": {"kms:RecipientAttestation:ImageSha384": PCR0}}),
                allow({"StringEquals": {"kms:RecipientAttestation:PCR0": "00" * 48}}),
            )
        )
    assert "--expect-pcr 0=" in (caught.value.fix or "")


def test_a_value_that_is_not_hex_is_located() -> None:
    with pytest.raises(PolicyError, match="not a hex PCR value") as caught:
        policy_expectations(
            policy(allow({"StringEquals": {"kms:RecipientAttestation:PCR3": "zz"}}))
        )
    assert caught.value.where == "Statement[0].Condition.StringEquals.kms:RecipientAttestation:PCR3"


def test_a_policy_for_another_image_fails_the_pcrs_check(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    name = "base_prod_2024-11-30.cose"
    at = at_ms(manifest[name]["timestamp_ms"])
    matching = policy(
        allow({"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": PCR0}})
    )
    expect = Expectations(pcrs=policy_expectations(matching))
    assert verify(documents[name], anchors=[aws], at=at, expect=expect).ok
    other = policy(allow({"StringEqualsIgnoreCase": {"kms:RecipientAttestation:PCR1": PCR0}}))
    report = verify(
        documents[name], anchors=[aws], at=at, expect=Expectations(pcrs=policy_expectations(other))
    )
    assert [c.name for c in report.failures] == ["pcrs"]
    assert "kernel or bootstrap differs" in report.check("pcrs").hint
