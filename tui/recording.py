"""`--record FILE`: everything the app writes to the terminal, as an asciicast v2 file.

Textual sends every byte for the terminal through its driver's `write` (escape sequences and
frames alike), so a driver subclass that copies each write into a `CastWriter` records exactly
what the terminal received, with its timing.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from textual.driver import Driver

from core.asciicast import CastWriter


def recording_driver(base: type[Driver], cast: CastWriter) -> type[Driver]:
    """`base` (the driver Textual would use) with every write also going to `cast`."""

    class RecordingDriver(base):  # type: ignore[valid-type, misc]
        def write(self, data: str) -> None:
            cast.output(data)
            super().write(data)

    return RecordingDriver


def terminal_size() -> tuple[int, int]:
    """The terminal's own size (ioctl on the streams Textual writes to), not $COLUMNS/$LINES."""
    for stream in (sys.__stderr__, sys.__stdout__, sys.__stdin__):
        try:
            size = os.get_terminal_size(stream.fileno()) if stream else None
        except (OSError, ValueError):
            continue
        if size is not None:
            return size.columns, size.lines
    fallback = shutil.get_terminal_size()
    return fallback.columns, fallback.lines


def open_cast(path: Path, title: str) -> CastWriter:
    """A cast sized like the terminal the app is about to take over."""
    width, height = terminal_size()
    return CastWriter(path, width, height, title=title)
