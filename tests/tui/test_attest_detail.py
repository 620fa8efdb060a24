"""The document tabs' rows, from a real AWS document (no terminal needed)."""

from __future__ import annotations

from pathlib import Path

from core.attestation import describe_document, parse_document
from tui.presenters.attest_detail import certificate_rows, field_rows, pcr_rows


def described(vectors: Path, name: str) -> dict[str, object]:
    return describe_document(parse_document((vectors / name).read_bytes()))


def test_rows_of_a_production_document(vectors: Path) -> None:
    doc = described(vectors, "evervault_prod_2022-10-13.cose")
    fields = dict(field_rows(doc))  # type: ignore[arg-type]
    assert fields["module_id"] == "i-020b6af9246d90e92-enc0183d09086c24190"
    assert fields["debug mode"] == "no"
    assert fields["nonce"].startswith("256 bytes ")
    assert fields["user_data"] == "(absent)"
    pcrs = {name: (value, verdict) for name, value, verdict in pcr_rows(doc)}  # type: ignore[arg-type]
    assert set(pcrs) == {"PCR0", "PCR1", "PCR2", "PCR3", "PCR4", "PCR8"}  # zero PCRs elided
    assert pcrs["PCR0"][0].startswith("f4d48b81a460c991") and pcrs["PCR0"][1] == ""
    chain = certificate_rows(doc)  # type: ignore[arg-type]
    assert chain[0][0] == "certificate (leaf)" and chain[-1][0] == "cabundle[0]"
    assert "aws.nitro-enclaves" in chain[-1][1] and len(chain[-1][4]) == 64


def test_expected_pcrs_are_marked_and_shown_even_when_zero(vectors: Path) -> None:
    doc = described(vectors, "evervault_debug_2022-10-12.cose")
    expected = {0: bytes(48), 1: bytes([1]) * 48, 9: bytes(48)}
    rows = {name: verdict for name, _, verdict in pcr_rows(doc, expected)}  # type: ignore[arg-type]
    assert rows["PCR0"] == "= expected"  # debug mode: PCR0 is all zeros
    assert rows["PCR1"] == "≠ EXPECTED"
    assert rows["PCR9"] == "= expected"  # a zero PCR is shown once someone expects it
    assert dict(field_rows(doc))["debug mode"].startswith("YES")  # type: ignore[arg-type]
