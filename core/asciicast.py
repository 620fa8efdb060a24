"""asciicast v2 writing: a JSON header line, then one `[time, "o", data]` line per output.

The format of asciinema (https://docs.asciinema.org/manual/asciicast/v2/): `asciinema play`
replays the file with its timing. Times are seconds since the recording started (monotonic
clock), so a system clock change mid-recording cannot make time run backwards.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from core.errors import NitrodeckError


class CastWriter:
    """Appends events to an asciicast v2 file; safe to call from the terminal writer's thread."""

    def __init__(
        self,
        path: Path,
        width: int,
        height: int,
        *,
        title: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._start = clock()
        self._lock = threading.Lock()
        header: dict[str, Any] = {
            "version": 2,
            "width": width,
            "height": height,
            "timestamp": int(time.time()),
            "env": {"TERM": os.environ.get("TERM", "xterm-256color"), "SHELL": "nitrodeck"},
        }
        if title:
            header["title"] = title
        try:
            self._file: TextIO | None = self.path.open("w", encoding="utf-8")
        except OSError as error:
            raise NitrodeckError(
                f"cannot write the recording: {error.strerror}",
                where=str(path),
                fix="pass --record a path in a writable directory",
            ) from None
        self._line(header)

    def _line(self, value: object) -> None:
        assert self._file is not None
        self._file.write(json.dumps(value, ensure_ascii=False) + "\n")

    def _event(self, kind: str, data: str) -> None:
        with self._lock:
            if self._file is None or not data:
                return
            self._line([round(self._clock() - self._start, 6), kind, data])

    def output(self, data: str) -> None:
        """What the program wrote to the terminal."""
        self._event("o", data)

    def resize(self, width: int, height: int) -> None:
        self._event("r", f"{width}x{height}")

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def read_cast(path: Path) -> tuple[dict[str, Any], list[list[Any]]]:
    """Parse an asciicast v2 file strictly: header, then events in time order (for checks)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ValueError("empty file: no asciicast header")
    header = json.loads(lines[0])
    if not isinstance(header, dict) or header.get("version") != 2:
        raise ValueError("the first line is not an asciicast v2 header")
    for field in ("width", "height"):
        if not isinstance(header.get(field), int) or header[field] <= 0:
            raise ValueError(f"header {field} must be a positive integer")
    events: list[list[Any]] = []
    last = 0.0
    for number, line in enumerate(lines[1:], 2):
        event = json.loads(line)
        if (
            not isinstance(event, list)
            or len(event) != 3
            or not isinstance(event[0], int | float)
            or event[1] not in ("o", "i", "r", "m")
            or not isinstance(event[2], str)
        ):
            raise ValueError(f"line {number}: not an event [time, code, data]")
        if event[0] < last:
            raise ValueError(f"line {number}: time goes backwards")
        last = float(event[0])
        events.append(event)
    return header, events
