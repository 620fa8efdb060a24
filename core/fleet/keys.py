"""The key side of a rollout (`--key-id`): pin the new image beside the old, drop the old last.

Before the first wave the key's policy gets the new image's PCRs beside the values already
pinned (`core.kms.pin`), so old and new enclaves both decrypt while waves run. Only after the
last wave verified are the pinned values replaced by the new image's alone; a rollout that
stops keeps both, so the members still on the old image keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.kms.pin import pin_key, plan_pin


@dataclass(frozen=True)
class KeyPin:
    """A key to move to the new image through `kms` (a boto3 client), as `principal`; only
    `for_principal`'s attested statements change (`core.kms.pin_scope`)."""

    kms: Any
    key_id: str
    principal: str
    for_principal: str | None = None  # whose statements change (default: the only attested one)

    def _apply(self, eif_path: Path, *, replace: bool) -> str:
        plan = plan_pin(
            self.kms,
            self.key_id,
            eif_path,
            principal=self.principal,
            replace=replace,
            for_principal=self.for_principal,
        )
        pinned = ", ".join(f"PCR{n}" for n in sorted(plan.pcrs))
        if not pin_key(self.kms, plan, lambda _plan: True):
            return f"key {plan.key_arn} already pinned {pinned} to the new image"
        verb = "now pins only the new image's" if replace else "pins the new image's"
        return f"key {plan.key_arn} {verb} {pinned} ({', '.join(plan.statements)})"

    def pin_new(self, eif_path: Path) -> str:
        return self._apply(eif_path, replace=False)

    def drop_old(self, eif_path: Path) -> str:
        return self._apply(eif_path, replace=True)
