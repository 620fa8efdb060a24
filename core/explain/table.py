"""The explainer's table: for every nitro-cli error E00–E60, what it means in plain words, what
usually sets it off on a real parent instance, and what to do about it.

The texts are nitrodeck's own (facts from nitro-cli 1.5's sources and its issue tracker); the
enum names are nitro-cli's, so a code can be looked up by either. `lookup` accepts `E26`,
`e26`, `26` or `InsufficientMemoryRequested`.
"""

from __future__ import annotations

import re

from core.errors import UsageError
from core.explain.entries_high import HIGH
from core.explain.entries_low import LOW
from core.explain.entry import Entry
from core.nitro_errors import code_name

_CODE = re.compile(r"[Ee]?(\d{1,2})")


def table() -> dict[str, Entry]:
    """Every entry by code (`E00`…`E60`), in order."""
    return {e.code: e for e in (*LOW, *HIGH)}


def lookup(text: str) -> Entry:
    """The entry for `E26`, `26` or an enum name; a `UsageError` that lists the range if none."""
    wanted = text.strip()
    entries = table()
    match = _CODE.fullmatch(wanted)
    if match is not None and code_name(int(match.group(1))) in entries:
        return entries[code_name(int(match.group(1)))]
    by_name = {e.name.lower(): e for e in entries.values()}
    if wanted.lower() in by_name:
        return by_name[wanted.lower()]
    raise UsageError(
        f"{text!r} is not a nitro-cli error code",
        fix="give one of E00 to E60 (as nitro-cli prints it: [ E26 ]), or its name",
    )
