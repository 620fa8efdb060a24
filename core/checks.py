"""One `Check` for every step that can pass, warn or fail: attestation, the doctor, preflight.

A named tuple: immutable, cheap to build by the dozen, and the same shape whether the command
line prints it, `--json` serialises it or the app lists it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class CheckStatus(StrEnum):
    """pass and warn let things through; fail does not; skip means nothing was asked."""

    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    SKIP = "skip"


class Check(NamedTuple):
    """One named step: what was found (`evidence`) and what to do about it (`hint`).

    Evidence and hints that list several items put each item on its own line.
    """

    name: str
    status: CheckStatus
    evidence: str
    hint: str = ""

    @classmethod
    def verdict(cls, name: str, ok: bool, evidence: str, hint: str = "") -> Check:
        """PASS or FAIL from a boolean: the common case of a check with no warning level."""
        return cls(name, CheckStatus.PASS if ok else CheckStatus.FAIL, evidence, hint)

    @property
    def ok(self) -> bool:
        """Whether this check lets things through (a warning does)."""
        return self.status is not CheckStatus.FAIL

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "status": self.status.value,
            "evidence": self.evidence,
            "hint": self.hint,
        }
