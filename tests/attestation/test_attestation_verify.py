"""Verification of the real documents: every check, at their own time and now, with expectations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from attestation_vectors import DOCUMENTS, NOW, at_ms

from core.attestation import (
    CheckStatus,
    Expectations,
    TrustAnchor,
    Verifier,
    is_debug_mode,
    parse_document,
    verify,
)
from core.attestation.certs import format_duration

CHECK_ORDER = [
    "structure",
    "algorithm",
    "signature",
    "chain",
    "validity",
    "anchor",
    "leaf_usage",
    "debug_mode",
    "nonce",
    "user_data",
    "public_key",
    "pcrs",
    "age",
    "clock_skew",
]


def _when(manifest: dict[str, Any], name: str) -> datetime:
    return at_ms(manifest[name]["timestamp_ms"])


@pytest.mark.parametrize("name", DOCUMENTS)
def test_real_documents_verify_at_their_own_time(
    name: str, documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    report = verify(documents[name], anchors=[aws], at=_when(manifest, name))
    assert [check.name for check in report.checks] == CHECK_ORDER
    assert report.ok, report.failures
    assert report.anchor_name == "AWS Nitro Enclaves Root-G1"
    statuses = {check.name: check.status for check in report.checks}
    for name_ in ("structure", "algorithm", "signature", "chain", "validity", "anchor"):
        assert statuses[name_] is CheckStatus.PASS
    debug = manifest[name]["debug_mode"]
    assert is_debug_mode(report.document) is debug
    assert statuses["debug_mode"] is (CheckStatus.WARN if debug else CheckStatus.PASS)
    assert report.verdict.startswith("VERIFIED")


def test_the_three_debug_documents_warn_about_kms_policies(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    debug = [name for name in DOCUMENTS if manifest[name]["debug_mode"]]
    assert debug == [
        "evervault_debug_2022-10-12.cose",
        "evervault_debug_2023-09-18.cose",
        "eternis_debug_2024-09-09.cose",
    ]
    for name in debug:
        warning = verify(documents[name], anchors=[aws], at=_when(manifest, name)).warnings
        assert [check.name for check in warning] == ["debug_mode"]
        assert "no policy that pins PCR0 will match" in warning[0].evidence
        assert warning[0].hint == "launch without --debug-mode"


@pytest.mark.parametrize("name", DOCUMENTS)
def test_real_documents_fail_now_with_the_expiry_explained(
    name: str, documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    report = verify(documents[name], anchors=[aws], at=NOW)
    assert [check.name for check in report.failures] == ["validity"]
    until = datetime.fromisoformat(manifest[name]["chain_valid_until_utc"])
    gap = format_duration((NOW - until).total_seconds())
    evidence = report.check("validity").evidence
    assert evidence.startswith(f"the leaf certificate expired at {until:%Y-%m-%dT%H:%M:%SZ}")
    assert f"{gap} before the verification time" in evidence
    assert "about 3 hours" in report.check("validity").hint


def test_expiry_message_reads_like_the_issue(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    name = "base_prod_2024-11-30.cose"
    until = datetime.fromisoformat(manifest[name]["chain_valid_until_utc"])
    report = verify(documents[name], anchors=[aws], at=until + timedelta(hours=2, minutes=51))
    check = report.check("validity")
    assert check.evidence == (
        "the leaf certificate expired at 2024-11-30T19:22:48Z, 2 h 51 min before the "
        "verification time 2024-11-30T22:13:48Z"
    )
    assert check.hint == "documents are valid for about 3 hours; fetch a fresh one"


def test_an_expired_intermediate_is_named(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    # the instance CA (cabundle[3]) lives 1 day: it expires before the 20-day regional CA
    name = "base_prod_2024-11-30.cose"
    report = verify(documents[name], anchors=[aws], at=datetime.fromisoformat("2024-12-02T00:00Z"))
    evidence = report.check("validity").evidence
    assert evidence.startswith("the leaf certificate expired")
    assert evidence.endswith(
        "\nalso expired: the CA certificate cabundle[3] "
        "(i-0de38b2b6853cc9e8.us-east-1.aws.nitro-enclaves) at 2024-12-01T12:41:31Z"
    )


def test_not_yet_valid_and_clock_skew(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    name = "base_prod_2024-11-30.cose"
    report = verify(documents[name], anchors=[aws], at=_when(manifest, name) - timedelta(hours=1))
    assert {c.name for c in report.failures} == {"validity", "clock_skew"}
    assert "is valid only from 2024-11-30T16:22:45Z, 59 min" in report.check("validity").evidence
    assert "1 h after the verification time" in report.check("clock_skew").evidence


def test_clock_skew_alone_beyond_the_allowance(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    # this document is 1578 s younger than its leaf: 1000 s early keeps every certificate valid
    name = "evervault_debug_2023-09-18.cose"
    early = _when(manifest, name) - timedelta(seconds=1000)
    report = verify(documents[name], anchors=[aws], at=early)
    assert [c.name for c in report.failures] == ["clock_skew"]
    assert "16 min 40 s after the verification time" in report.failures[0].evidence
    relaxed = Expectations(clock_skew_s=1200)
    assert verify(documents[name], anchors=[aws], at=early, expect=relaxed).ok


def test_age_against_max_age(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    name = "eternis_debug_2024-09-09.cose"
    later = _when(manifest, name) + timedelta(minutes=2)
    young = verify(documents[name], anchors=[aws], at=later, expect=Expectations(max_age_s=300))
    assert young.check("age").status is CheckStatus.PASS
    old = verify(documents[name], anchors=[aws], at=later, expect=Expectations(max_age_s=60))
    assert [c.name for c in old.failures] == ["age"]
    assert old.check("age").evidence == "the document is 2 min old, more than the allowed 1 min"


def test_nonce_user_data_and_public_key_expectations(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    name = "evervault_debug_2022-10-12.cose"
    at = _when(manifest, name)
    good = Expectations(public_key=b"my super secret key", user_data=b"hello, world!")
    report = verify(documents[name], anchors=[aws], at=at, expect=good)
    assert report.check("public_key").status is CheckStatus.PASS
    assert report.check("user_data").status is CheckStatus.PASS
    bad = Expectations(public_key=b"other key", user_data=b"hello", nonce=b"\x01" * 16)
    report = verify(documents[name], anchors=[aws], at=at, expect=bad)
    assert [c.name for c in report.failures] == ["nonce", "user_data", "public_key"]
    assert "found null" in report.check("nonce").evidence
    assert "replay" in report.check("nonce").hint


def test_expected_pcrs_match_and_mismatch_with_causes(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    name = "base_prod_2024-11-30.cose"
    at = _when(manifest, name)
    pinned = {int(i): bytes.fromhex(v) for i, v in manifest[name]["nonzero_pcrs"].items()}
    report = verify(documents[name], anchors=[aws], at=at, expect=Expectations(pcrs=pinned))
    assert report.check("pcrs").evidence == "PCR0, PCR1, PCR2, PCR3, PCR4 match"
    wrong = pinned | {2: bytes(48), 3: b"\x11" * 48, 16: b"\x22" * 48}
    check = verify(documents[name], anchors=[aws], at=at, expect=Expectations(pcrs=wrong))
    pcrs = check.check("pcrs")
    assert pcrs.status is CheckStatus.FAIL
    assert "PCR2: expected 0000000000000000…, found 56ba201a72e36cd0…" in pcrs.evidence
    assert "PCR16: expected 2222222222222222…, the document has no PCR16" in pcrs.evidence
    assert "PCR0" not in pcrs.evidence
    assert "application inside the image differs" in pcrs.hint
    assert "different IAM role" in pcrs.hint
    assert "appear only once the enclave locks them" in pcrs.hint


def test_debug_document_explains_a_pcr0_mismatch(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    name = "eternis_debug_2024-09-09.cose"
    expect = Expectations(pcrs={0: b"\xab" * 48})
    check = verify(documents[name], anchors=[aws], at=_when(manifest, name), expect=expect)
    assert "debug mode zeroes PCR0/1/2/8" in check.check("pcrs").hint


def test_the_cache_still_checks_validity_at_each_time(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    verifier = Verifier([aws])
    name = "base_prod_indefinite_2026-01-03.cose"
    assert verifier.verify(documents[name], at=_when(manifest, name)).ok
    assert [c.name for c in verifier.verify(documents[name], at=NOW).failures] == ["validity"]
    assert verifier.verify(documents[name], at=_when(manifest, name)).ok


def test_verify_accepts_base64_and_parsed_documents(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    import base64

    name = "evervault_prod_2022-10-13.cose"
    at = _when(manifest, name)
    verifier = Verifier([aws])
    assert verifier.verify(base64.b64encode(documents[name]), at=at).ok
    assert verifier.verify_document(parse_document(documents[name]), at=at.replace(tzinfo=None)).ok


def test_report_json_lists_every_check(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    name = "eternis_debug_2024-09-09.cose"
    data = verify(documents[name], anchors=[aws], at=_when(manifest, name)).to_json()
    assert data["ok"] is True
    assert data["verified_at"] == "2024-09-09T19:49:12.400000Z"
    checks = data["checks"]
    assert isinstance(checks, list)
    assert [c["name"] for c in checks] == CHECK_ORDER
    assert checks[7] == {
        "name": "debug_mode",
        "status": "warn",
        "evidence": "PCR0 is all zeros: the enclave runs in debug mode, so no policy that pins "
        "PCR0 will match",
        "hint": "launch without --debug-mode",
    }
