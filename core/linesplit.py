"""Turn a stream of byte chunks (an enclave console) into complete text lines, incrementally.

Chunks arrive cut anywhere: mid-line and even mid-UTF-8 sequence. The splitter keeps the partial
last line until its newline arrives, so a console never shows half lines twice. A line longer
than `max_line` characters is cut there, so a payload that never prints a newline cannot grow
memory without bound.
"""

from __future__ import annotations

import codecs


class LineSplitter:
    """Feed byte chunks, get back the lines they completed (without their line endings)."""

    def __init__(self, max_line: int = 65536) -> None:
        if max_line < 1:
            raise ValueError("max_line must be at least 1")
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._partial = ""
        self._max_line = max_line

    @property
    def partial(self) -> str:
        """The text after the last newline seen so far (not yet a line)."""
        return self._partial

    def feed(self, chunk: bytes) -> list[str]:
        """Lines completed by `chunk`; `\\r\\n` and `\\n` both end a line."""
        text = self._partial + self._decoder.decode(chunk)
        parts = text.split("\n")
        self._partial = parts.pop()
        lines = [part[:-1] if part.endswith("\r") else part for part in parts]
        if len(self._partial) > self._max_line:
            # A newline-less flood: emit it in max_line pieces rather than buffering forever.
            cut = len(self._partial) - len(self._partial) % self._max_line
            text, self._partial = self._partial[:cut], self._partial[cut:]
            lines.extend(text[i : i + self._max_line] for i in range(0, cut, self._max_line))
        return lines

    def flush(self) -> list[str]:
        """The last unterminated line (if any) at end of stream; the splitter is then empty."""
        rest = self._partial + self._decoder.decode(b"", final=True)
        self._partial = ""
        return [rest.removesuffix("\r")] if rest else []
