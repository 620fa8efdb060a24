"""Human-readable text for `attestation verify` and `attestation show` (plain, pipe-friendly)."""

from __future__ import annotations

import textwrap
from typing import Any

from core.attestation import CheckStatus, VerificationReport

MARKERS = {
    CheckStatus.PASS: "✓ pass",
    CheckStatus.FAIL: "✗ FAIL",
    CheckStatus.WARN: "! warn",
    CheckStatus.SKIP: "- skip",
}
NAME_WIDTH = 11
INDENT = " " * (len("✓ pass") + NAME_WIDTH + 3)


def _wrap(text: str, first: str) -> list[str]:
    """Each line of a check's text (one per listed item) wrapped under the check's column."""
    lines: list[str] = []
    for part in text.splitlines():
        lines += _wrap_part(part, first if not lines else INDENT)
    return lines


def _wrap_part(text: str, first: str) -> list[str]:
    return textwrap.wrap(
        text, 100, initial_indent=first, subsequent_indent=INDENT, break_on_hyphens=False
    ) or [first]


def render_report(report: VerificationReport) -> str:
    """One line per check (evidence wrapped), the hint under failures and warnings, a verdict."""
    doc = report.document
    lines = [f"document {doc.module_id} at {report.verified_at.isoformat()}"]
    for check in report.checks:
        head = f"{MARKERS[check.status]}  {check.name:<{NAME_WIDTH}} "
        lines += _wrap(check.evidence, head)
        if check.hint and check.status in (CheckStatus.FAIL, CheckStatus.WARN):
            lines += _wrap(check.hint, INDENT + "hint: ")
    lines.append(f"verdict: {report.verdict}")
    return "\n".join(lines) + "\n"


def _blob(label: str, blob: dict[str, Any] | None) -> list[str]:
    if blob is None:
        return [f"{label:<12} null"]
    head = f"{label:<12} {blob['length']} bytes "
    return textwrap.wrap(blob["hex"], 96, initial_indent=head, subsequent_indent=" " * 13) or [
        head + "(empty)"
    ]


def _zero_ranges(indices: list[int]) -> str:
    ranges: list[list[int]] = []
    for index in indices:
        if ranges and ranges[-1][-1] == index - 1:
            ranges[-1].append(index)
        else:
            ranges.append([index])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 1 else str(r[0]) for r in ranges)


def render_document(info: dict[str, Any]) -> str:
    """The decoded document: identity, PCRs (non-zero listed), chain, optional fields."""
    mode = "debug (PCR0/1/2 all zero)" if info["debug_mode"] else "production"
    cose = info["cose"]
    lines = [
        f"{'module id':<12} {info['module_id']}",
        f"{'timestamp':<12} {info['timestamp']} ({info['timestamp_ms']} ms)",
        f"{'digest':<12} {info['digest']}",
        f"{'mode':<12} {mode}",
        f"{'encoding':<12} {'tagged' if cose['tagged'] else 'untagged'} COSE_Sign1, "
        f"alg {cose['algorithm']}, {cose['payload_map']}-length payload map "
        f"({cose['payload_length']} bytes)",
        f"PCRs ({len(info['pcrs'])}, non-zero listed):",
    ]
    zero: list[int] = []
    for key, value in info["pcrs"].items():
        if int(key) in info["nonzero_pcrs"]:
            lines.append(f"  PCR{key:<3} {value}")
        else:
            zero.append(int(key))
    if zero:
        lines.append(f"  all zero: {_zero_ranges(zero)}")
    lines.append("certificate chain (leaf first):")
    for cert in info["certificates"]:
        if "error" in cert:
            lines.append(f"  {cert['position']}: {cert['error']}")
            continue
        lines.append(f"  {cert['position']}: {cert['subject']}")
        lines.append(f"      valid {cert['not_before']} → {cert['not_after']}")
        lines.append(f"      sha256 {cert['sha256']}")
    for label in ("public_key", "user_data", "nonce"):
        lines += _blob(label, info[label])
    return "\n".join(lines) + "\n"
