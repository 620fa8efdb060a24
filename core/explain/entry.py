"""One explained error code (`Entry`) and how the entry lists build one (`entry`).

Its own module so the lists (`entries_low`, `entries_high`) and the table that gathers them
import it, and not each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.nitro_errors import DOCS_LINK, NitroCliCode, code_name


@dataclass(frozen=True)
class Entry:
    """One error code explained: cause, the usual real-world trigger, and the fix."""

    code: str
    title: str
    cause: str
    trigger: str
    fix: str

    @property
    def number(self) -> int:
        return int(self.code[1:])

    @property
    def name(self) -> str:
        """nitro-cli's enum name (`InsufficientMemoryRequested`)."""
        return NitroCliCode(self.number).name

    @property
    def docs(self) -> str:
        return DOCS_LINK.format(code=self.code)

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "exit_status": self.number,
            "title": self.title,
            "cause": self.cause,
            "trigger": self.trigger,
            "fix": self.fix,
            "docs": self.docs,
        }


def entry(number: int, title: str, cause: str, trigger: str, fix: str) -> Entry:
    return Entry(code_name(number), title, cause, trigger, fix)
