"""Long values (PCRs, ARNs, enclave and key ids) shortened where they repeat, whole in one place.

A 96-hex-digit PCR is wider than an 80-column terminal: a table cell or a repeated mention
shows `short(value)`; the one place that shows it whole folds it at a fixed width (`folded`),
so it never wraps mid-value at wherever the terminal happens to end.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
FOLD = 48
"""Hex digits per line of a folded PCR: a SHA-384 PCR is exactly two lines."""


LONG_HEX = re.compile(r"\b[0-9a-fA-F]{40,}\b")
"""A measurement or digest in running text (PCRs are 96 hex digits)."""


def short(value: str, keep: int = 16) -> str:
    """`value` cut to its first `keep - 5` and last 4 characters around an ellipsis, if longer
    than `keep`: enough to tell two values apart, and to find the whole one."""
    if len(value) <= keep:
        return value
    return f"{value[: keep - 5]}{ELLIPSIS}{value[-4:]}"


def fold_values(text: str, width: int = FOLD) -> str:
    """Every long hex value in `text` folded at `width`, its lines under its start (a panel
    narrower than a PCR then never breaks it wherever the terminal ends)."""
    lines = []
    for line in text.splitlines():
        match = LONG_HEX.search(line)
        if match is None or len(match.group(0)) <= width:
            lines.append(line)
            continue
        indent = " " * match.start()
        lines.append(
            line[: match.start()] + folded(match.group(0), width, indent) + line[match.end() :]
        )
    return "\n".join(lines)


class ShownOnce:
    """Across the texts of one screen: each long hex value whole the first time, short after."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, text: str) -> str:
        def once(match: re.Match[str]) -> str:
            value = match.group(0).lower()
            if value in self.seen:
                return short(match.group(0), 20)
            self.seen.add(value)
            return match.group(0)

        return LONG_HEX.sub(once, text)


def folded(value: str, width: int = FOLD, indent: str = "") -> str:
    """`value` in whole lines of `width` characters, every line after the first indented."""
    parts = [value[i : i + width] for i in range(0, len(value), width)] or [""]
    return ("\n" + indent).join(parts)
