"""Text from the far end, made safe to print: no terminal control sequences, bounded length.

A remote host decides every string it sends (error text, enclave names, its ssh stderr). Shown
raw, an escape sequence could retitle the operator's terminal, hide lines or fake output, so
every control character except tab and newline is shown as its `\\xNN` escape instead.
A remote console is such text too, cleaned chunk by chunk (`CleanConsole`).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.platform.base import ConsoleStream

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


class CleanConsole:
    """A remote enclave's console with its control characters escaped, as `clean_text` does.

    The remote host chooses these bytes as much as any string it sends. They are decoded as
    UTF-8 across chunk boundaries (so a C1 control split in two is still caught; invalid bytes
    show as U+FFFD), and a console's `\\r\\n` line ends stay plain line ends.
    """

    def __init__(self, stream: ConsoleStream) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        held = ""  # a trailing carriage return, until the next chunk shows whether \\n follows
        for chunk in self._stream:
            text = held + decoder.decode(chunk)
            held = "\r" if text.endswith("\r") else ""
            text = text.removesuffix("\r").replace("\r\n", "\n")
            if text:
                yield clean_text(text, None).encode()
        rest = held + decoder.decode(b"", final=True)
        if rest:
            yield clean_text(rest, None).encode()

    def close(self) -> None:
        self._stream.close()
