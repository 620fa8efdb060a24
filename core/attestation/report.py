"""The result of a verification: named checks in order, each with its evidence and a hint.

One shape for every consumer: the command line prints it, `--json` serialises it, the app steps
through `checks`, and the local KMS reads `ok` and `document`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.attestation.document import AttestationDocument
from core.checks import Check, CheckStatus


@dataclass(frozen=True)
class VerificationReport:
    """Every check of one document at one verification time; `ok` when none failed."""

    document: AttestationDocument
    checks: tuple[Check, ...]
    verified_at: datetime
    anchor_name: str | None = None

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if check.status is CheckStatus.FAIL]

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if check.status is CheckStatus.WARN]

    @property
    def ok(self) -> bool:
        return not self.failures

    def check(self, name: str) -> Check:
        """The check called `name` (KeyError when there is none)."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    @property
    def verdict(self) -> str:
        if self.failures:
            names = ", ".join(check.name for check in self.failures)
            return f"NOT VERIFIED: {len(self.failures)} check(s) failed ({names})"
        if self.warnings:
            names = ", ".join(check.name for check in self.warnings)
            return f"VERIFIED with {len(self.warnings)} warning(s) ({names})"
        return "VERIFIED"

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "verdict": self.verdict,
            "verified_at": self.verified_at.isoformat().replace("+00:00", "Z"),
            "trust_anchor": self.anchor_name,
            "module_id": self.document.module_id,
            "timestamp_ms": self.document.timestamp_ms,
            "checks": [check.to_json() for check in self.checks],
        }
