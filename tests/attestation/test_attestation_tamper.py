"""Tampering is caught by the check that owns it: payload, signature, chain, anchor, usage."""

from __future__ import annotations

from typing import Any

import pytest
from attestation_forge import (
    PROTECTED_ES384,
    Forge,
    assemble,
    encode_payload,
    fields,
    split,
    with_payload,
)
from attestation_vectors import at_ms
from cryptography import x509

from core.attestation import (
    AttestationError,
    CheckStatus,
    TrustAnchor,
    VerificationReport,
    Verifier,
    anchor_from_pem,
)

NAME = "base_prod_2024-11-30.cose"
P384_ORDER = int(
    "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
    16,
)


@pytest.fixture(scope="module")
def real(documents: dict[str, bytes]) -> bytes:
    return documents[NAME]


@pytest.fixture(scope="module")
def when(manifest: dict[str, Any]) -> Any:
    return at_ms(manifest[NAME]["timestamp_ms"])


@pytest.fixture(scope="module")
def forge(real: bytes) -> Forge:
    return Forge.clone(real)


@pytest.fixture()
def forged_anchor(forge: Forge, tmp_path: Any) -> TrustAnchor:
    path = tmp_path / "lookalike.pem"
    path.write_bytes(forge.root_pem)
    return anchor_from_pem(path)


def failed(report: VerificationReport) -> set[str]:
    return {check.name for check in report.failures}


CHANGES: list[tuple[str, Any, set[str]]] = [
    ("module_id", "i-0000000000000000-enc0000000000000000", set()),
    ("digest", "SHA512", {"structure"}),
    ("timestamp", 1732983768388, set()),
    ("pcrs", {i: bytes(48) for i in range(16)}, set()),
    ("public_key", b"\x04" + b"\x01" * 96, set()),
    ("user_data", b"attacker data", set()),
    ("nonce", b"\x00" * 32, set()),
]


@pytest.mark.parametrize(("field", "value", "also"), CHANGES, ids=[c[0] for c in CHANGES])
def test_every_payload_field_change_breaks_the_signature(
    real: bytes, when: Any, aws: TrustAnchor, field: str, value: Any, also: set[str]
) -> None:
    tampered = with_payload(real, encode_payload(fields(real) | {field: value}))
    report = Verifier([aws]).verify(tampered, at=when)
    assert failed(report) == {"signature"} | also
    assert "altered after the NSM signed it" in report.check("signature").hint


def test_swapping_the_leaf_breaks_signature_and_chain(
    real: bytes, documents: dict[str, bytes], when: Any, aws: TrustAnchor
) -> None:
    other = fields(documents["eternis_debug_2024-09-09.cose"])["certificate"]
    tampered = with_payload(real, encode_payload(fields(real) | {"certificate": other}))
    report = Verifier([aws]).verify(tampered, at=when)
    assert {"signature", "chain"} <= failed(report)


def test_swapping_the_cabundle_breaks_signature_and_chain(
    real: bytes, documents: dict[str, bytes], when: Any, aws: TrustAnchor
) -> None:
    other = fields(documents["eternis_debug_2024-09-09.cose"])["cabundle"]
    tampered = with_payload(real, encode_payload(fields(real) | {"cabundle": other}))
    report = Verifier([aws]).verify(tampered, at=when)
    assert {"signature", "chain"} <= failed(report)
    # the other enclave's CAs expired long before this leaf was issued
    assert "the certificates were never valid together" in report.check("chain").evidence


def test_flipped_signature_bit_fails_only_the_signature(
    real: bytes, when: Any, aws: TrustAnchor
) -> None:
    protected, _payload, signature = split(real)
    assert real.endswith(signature)
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    report = Verifier([aws]).verify(real[:-96] + flipped, at=when)
    assert failed(report) == {"signature"}
    assert protected == PROTECTED_ES384


def test_high_s_signatures_are_accepted(
    documents: dict[str, bytes], manifest: dict[str, Any], aws: TrustAnchor
) -> None:
    # a low-S real document, turned into its high-S twin (s' = n - s): both are valid ECDSA
    name = "eternis_debug_2024-09-09.cose"
    assert manifest[name]["signature_s_is_high"] is False
    raw = documents[name]
    s = int.from_bytes(raw[-48:], "big")
    assert s <= P384_ORDER // 2
    twin = raw[:-48] + (P384_ORDER - s).to_bytes(48, "big")
    report = Verifier([aws]).verify(twin, at=at_ms(manifest[name]["timestamp_ms"]))
    assert report.check("signature").status is CheckStatus.PASS
    assert report.ok


def test_forged_documents_verify_under_the_forged_root(
    real: bytes, when: Any, forge: Forge, forged_anchor: TrustAnchor
) -> None:
    # the control: the forgery is faithful, so failures below come from what each test changes
    report = Verifier([forged_anchor]).verify(forge.document(real), at=when)
    assert report.ok, report.failures
    assert forged_anchor.subject == "CN=aws.nitro-enclaves,OU=AWS,O=Amazon,C=US"


def test_lookalike_root_fails_at_anchor_and_chain(
    real: bytes, when: Any, forge: Forge, aws: TrustAnchor
) -> None:
    report = Verifier([aws]).verify(forge.document(real), at=when)
    assert failed(report) == {"chain", "anchor"}
    assert report.check("signature").status is CheckStatus.PASS
    assert "look-alike" in report.check("anchor").evidence
    assert aws.fingerprint in report.check("anchor").evidence
    chain = report.check("chain")
    assert "cabundle[0] claims to be AWS Nitro Enclaves Root-G1" in chain.evidence
    assert "re-signed" in chain.hint


def test_reordered_cabundle_fails_the_chain(
    real: bytes, when: Any, forge: Forge, forged_anchor: TrustAnchor
) -> None:
    root, regional, zonal, instance = forge.cabundle
    reordered = forge.document(real, cabundle=[root, zonal, regional, instance])
    report = Verifier([forged_anchor]).verify(reordered, at=when)
    assert failed(report) == {"chain"}
    assert report.check("chain").evidence.startswith(
        "cabundle is not in root-first issuing order: the valid path is leaf → cabundle[3] → "
        "cabundle[1] → cabundle[2] → root"
    )


def test_root_not_first_fails_anchor_and_chain(
    real: bytes, when: Any, forge: Forge, forged_anchor: TrustAnchor
) -> None:
    root, regional, zonal, instance = forge.cabundle
    swapped = forge.document(real, cabundle=[regional, root, zonal, instance])
    report = Verifier([forged_anchor]).verify(swapped, at=when)
    assert failed(report) == {"anchor", "chain"}
    assert "is not a trusted anchor" in report.check("anchor").evidence


def test_missing_intermediate_fails_the_chain(
    real: bytes, when: Any, forge: Forge, forged_anchor: TrustAnchor
) -> None:
    root, _regional, zonal, instance = forge.cabundle
    report = Verifier([forged_anchor]).verify(
        forge.document(real, cabundle=[root, zonal, instance]), at=when
    )
    assert failed(report) == {"chain"}


@pytest.mark.parametrize(
    ("usage", "basic", "problem"),
    [
        (
            x509.KeyUsage(False, True, False, False, False, False, False, False, False),
            None,
            "KeyUsage lacks digitalSignature",
        ),
        (None, x509.BasicConstraints(ca=True, path_length=None), "BasicConstraints says CA:TRUE"),
    ],
)
def test_leaf_usage_is_checked_by_hand(
    real: bytes,
    when: Any,
    tmp_path: Any,
    usage: x509.KeyUsage | None,
    basic: x509.BasicConstraints | None,
    problem: str,
) -> None:
    forge = Forge.clone(real, leaf_usage=usage, leaf_basic=basic)
    (tmp_path / "root.pem").write_bytes(forge.root_pem)
    report = Verifier([anchor_from_pem(tmp_path / "root.pem")]).verify(
        forge.document(real), at=when
    )
    assert failed(report) == {"leaf_usage"}
    assert problem in report.check("leaf_usage").evidence


def test_field_limits_are_reported_by_the_structure_check(
    real: bytes, when: Any, forge: Forge, forged_anchor: TrustAnchor
) -> None:
    verifier = Verifier([forged_anchor])
    at_limit = forge.document(
        real, user_data=b"u" * 1024, nonce=b"n" * 1024, public_key=b"k" * 1024
    )
    assert verifier.verify(at_limit, at=when).ok
    over = forge.document(real, user_data=b"u" * 1025, pcrs={0: bytes(47), 40: bytes(48)})
    report = verifier.verify(over, at=when)
    assert failed(report) == {"structure"}
    evidence = report.check("structure").evidence
    assert "PCR0 is 47 bytes, not 32, 48 or 64" in evidence
    assert "PCR index 40 is outside 0..31" in evidence
    assert "user_data is 1025 bytes, outside 0..1024" in evidence


def test_wrong_algorithm_is_reported(
    real: bytes, when: Any, forge: Forge, forged_anchor: TrustAnchor
) -> None:
    es256 = bytes.fromhex("a10126")  # {1: -7}
    report = Verifier([forged_anchor]).verify(forge.document(real, protected=es256), at=when)
    assert failed(report) == {"algorithm"}
    assert "alg -7, not ES384" in report.check("algorithm").evidence


def test_text_algorithm_name_is_accepted(
    real: bytes, when: Any, forge: Forge, forged_anchor: TrustAnchor
) -> None:
    text_alg = bytes.fromhex("a101") + b"\x65ES384"
    assert Verifier([forged_anchor]).verify(forge.document(real, protected=text_alg), at=when).ok


def test_duplicate_keys_in_a_validly_signed_document_are_rejected(
    real: bytes, forge: Forge
) -> None:
    good = forge.document(real)
    protected, payload, _ = split(good)
    doubled = b"\xbf" + payload[1:] + b"\x65nonce\x41\x00\xff"  # a9 → bf, one more pair, ff
    forged = assemble(protected, doubled, forge.sign(protected, doubled))
    with pytest.raises(AttestationError, match="duplicate map key 'nonce'"):
        Verifier([]).verify(forged, at=at_ms(1))


def test_unknown_payload_keys_warn(
    real: bytes, when: Any, forge: Forge, forged_anchor: TrustAnchor
) -> None:
    report = Verifier([forged_anchor]).verify(forge.document(real, extra=b"x"), at=when)
    assert report.ok
    assert report.check("structure").status is CheckStatus.WARN
    assert "unknown payload keys: extra" in report.check("structure").evidence


def test_unparseable_leaf_fails_every_certificate_check(
    real: bytes, when: Any, aws: TrustAnchor
) -> None:
    tampered = with_payload(real, encode_payload(fields(real) | {"certificate": b"\x30\x03abc"}))
    report = Verifier([aws]).verify(tampered, at=when)
    assert {"signature", "chain", "validity", "leaf_usage"} <= failed(report)
    assert "not a valid X.509 certificate" in report.check("signature").evidence
