"""The decoded document as table rows: fields, PCRs (against what was expected), certificates.

Pure functions over `core.attestation.describe_document`'s plain data, so they are tested
without a terminal and the screen only places rows into tables.
"""

from __future__ import annotations

from typing import Any

from core.attestation import CheckStatus

STATUS_STYLE = {
    CheckStatus.PASS: "bold green",
    CheckStatus.FAIL: "bold red",
    CheckStatus.WARN: "bold yellow",
    CheckStatus.SKIP: "dim",
}
STATUS_MARK = {
    CheckStatus.PASS: "✓ pass",
    CheckStatus.FAIL: "✗ FAIL",
    CheckStatus.WARN: "! warn",
    CheckStatus.SKIP: "- skip",
}


def _blob(value: dict[str, Any] | None) -> str:
    if value is None:
        return "(absent)"
    shown = value["hex"] if len(value["hex"]) <= 64 else value["hex"][:64] + "…"
    return f"{value['length']} bytes  {shown}"


def field_rows(described: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, value) for every top-level field but the PCRs and the chain (own tabs)."""
    cose = described["cose"]
    return [
        ("module_id", str(described["module_id"])),
        ("timestamp", f"{described['timestamp']}  ({described['timestamp_ms']} ms)"),
        ("digest", str(described["digest"])),
        ("debug mode", "YES (PCR0/1/2 are zero)" if described["debug_mode"] else "no"),
        ("nonce", _blob(described["nonce"])),
        ("user_data", _blob(described["user_data"])),
        ("public_key", _blob(described["public_key"])),
        ("COSE", f"{'tagged' if cose['tagged'] else 'untagged'} COSE_Sign1, {cose['algorithm']}"),
        ("payload", f"{cose['payload_length']} bytes, {cose['payload_map']} map"),
        ("signature", f"{cose['signature_length']} bytes"),
    ]


def pcr_rows(
    described: dict[str, Any], expected: dict[int, bytes] | None = None
) -> list[tuple[str, str, str]]:
    """(PCR, value, verdict) for non-zero PCRs and every expected one; zero PCRs are elided."""
    expected = expected or {}
    rows: list[tuple[str, str, str]] = []
    for key, value in described["pcrs"].items():
        index = int(key)
        want = expected.get(index)
        if not any(c != "0" for c in value) and want is None and index not in (0, 1, 2):
            continue
        verdict = "" if want is None else ("= expected" if want.hex() == value else "≠ EXPECTED")
        rows.append((f"PCR{index}", value, verdict))
    return rows


def certificate_rows(described: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(position, subject, not before, not after, SHA-256) leaf first; damage shown as text."""
    rows = []
    for cert in described["certificates"]:
        if "error" in cert:
            rows.append((cert["position"], cert["error"], "", "", ""))
        else:
            rows.append(
                (
                    cert["position"],
                    cert["subject"],
                    cert["not_before"],
                    cert["not_after"],
                    cert["sha256"],
                )
            )
    return rows
