"""The base of every error a user can cause: it says what went wrong, where, and how to fix it.

The command line turns these into a message on stderr and an exit code; the app into a dialog.
Anything that is not a `NitrodeckError` is a bug in nitrodeck and may show a traceback.
"""

from __future__ import annotations


class NitrodeckError(Exception):
    """A user-facing error with a specific message, its location, a fix, and what caused it.

    `code` is the nitro-cli error this one is (`"E26"`), or None when nitro-cli has no such
    error; `detail` is the specific cause under the message (a driver's sentence, an inner
    error's text). The explainer (`core.explain`) works from these two alone.
    """

    exit_code: int = 1
    code: str | None = None
    inner: NitrodeckError | None = None
    """The error this one only reports (E39 carrying the enclave process's own error)."""
    label: str = "error: "
    """What the command line prints before the message; nitro-cli's own errors start bare."""

    def __init__(
        self,
        what: str,
        *,
        where: str | None = None,
        fix: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(what)
        self.what = what
        self.where = where
        self.fix = fix
        self.detail = detail

    def __str__(self) -> str:
        text = self.what
        if self.where:
            text = f"{self.where}: {text}"
        if self.fix:
            text = f"{text}\n  fix: {self.fix}"
        return text

    @property
    def root(self) -> NitrodeckError:
        """The error at the bottom of an `inner` chain: the root cause, whose code is nitrodeck's
        exit status on every platform (E26 relayed inside E39 exits 26)."""
        error = self
        while error.inner is not None:
            error = error.inner
        return error

    def to_json(self) -> dict[str, object]:
        """The error as a JSON object, for `--json` output."""
        return {
            "error": type(self).__name__,
            "code": self.code,
            "message": self.what,
            "detail": self.detail,
            "where": self.where,
            "fix": self.fix,
        }


class UsageError(NitrodeckError):
    """A command was called with arguments that cannot work together (exit 2, like argparse)."""

    exit_code = 2


class PolicyError(NitrodeckError):
    """A key policy that is not a valid policy document, or whose attestation conditions
    cannot be turned into expected PCRs (exit 2: the input is wrong, not the enclave)."""

    exit_code = 2
