"""Text from the far end, made safe to print: no terminal control sequences, bounded length.

A remote host decides every string it sends (error text, enclave names, its ssh stderr). Shown
raw, an escape sequence could retitle the operator's terminal, hide lines or fake output, so
every control character except tab and newline is shown as its `\\xNN` escape instead.
"""

from __future__ import annotations

import re

MAX_TEXT = 8000
# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides (they
# reorder what the terminal shows).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean_text(text: str, limit: int | None = MAX_TEXT) -> str:
    """`text` with control characters escaped, cut to `limit` characters (marked when cut)."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"… [{len(text) - limit} more characters]"
    return _CONTROL.sub(_escape, text)
