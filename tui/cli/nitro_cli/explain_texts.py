"""`nitro-cli explain --error-code Exx`: what nitro-cli 1.5 prints, on stderr, exit 0.

The texts are data (`core/platform/nitro_cli_errors.json`, `explain`); a code it has none for
(E57-E59), or anything that is not a code, gets nitro-cli's "No such error code".
"""

from __future__ import annotations

from core.nitro_errors import EXPLAINED


def explain_text(code: str) -> str:
    """The text `nitro-cli explain --error-code CODE` prints (a trailing newline included)."""
    number = int(code[1:]) if len(code) == 3 and code[0] == "E" and code[1:].isdigit() else -1
    text = EXPLAINED.get(number)
    return f"{text}\n" if text is not None else f"No such error code {code}\n"
