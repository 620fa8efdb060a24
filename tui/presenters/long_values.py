"""Long values (PCRs, ARNs, enclave and key ids) shortened where they repeat, whole in one place.

A 96-hex-digit PCR is wider than an 80-column terminal: a table cell or a repeated mention
shows `short(value)`; the one place that shows it whole folds it at a fixed width (`folded`),
so it never wraps mid-value at wherever the terminal happens to end.
"""

from __future__ import annotations

ELLIPSIS = "…"
FOLD = 48
"""Hex digits per line of a folded PCR: a SHA-384 PCR is exactly two lines."""


def short(value: str, keep: int = 16) -> str:
    """`value` cut to its first `keep - 5` and last 4 characters around an ellipsis, if longer
    than `keep`: enough to tell two values apart, and to find the whole one."""
    if len(value) <= keep:
        return value
    return f"{value[: keep - 5]}{ELLIPSIS}{value[-4:]}"


def folded(value: str, width: int = FOLD, indent: str = "") -> str:
    """`value` in whole lines of `width` characters, every line after the first indented."""
    parts = [value[i : i + width] for i in range(0, len(value), width)] or [""]
    return ("\n" + indent).join(parts)
