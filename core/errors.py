"""The base of every error a user can cause: it says what went wrong, where, and how to fix it.

The command line turns these into a message on stderr and an exit code; the app into a dialog.
Anything that is not a `NitrodeckError` is a bug in nitrodeck and may show a traceback.
"""

from __future__ import annotations


class NitrodeckError(Exception):
    """A user-facing error with a specific message, its location and a fix."""

    exit_code: int = 1
    label: str = "error: "
    """What the command line prints before the message; nitro-cli's own errors start bare."""

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.where = where
        self.fix = fix

    def __str__(self) -> str:
        text = self.what
        if self.where:
            text = f"{self.where}: {text}"
        if self.fix:
            text = f"{text}\n  fix: {self.fix}"
        return text

    def to_json(self) -> dict[str, object]:
        """The error as a JSON object, for `--json` output."""
        return {
            "error": type(self).__name__,
            "message": self.what,
            "where": self.where,
            "fix": self.fix,
        }


class UsageError(NitrodeckError):
    """A command was called with arguments that cannot work together (exit 2, like argparse)."""

    exit_code = 2
