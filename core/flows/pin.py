"""Pin a KMS key to an image: plan (the image's PCRs into the key policy, the diff, a check that
the administrator keeps access), then apply (PutKeyPolicy) once the operator agreed.

`nitrodeck kms pin` and the KMS view's pin both drive it; the policy editing is
`core.kms.pin`'s (only the chosen principal's statement changes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.kms.pin import PinPlan, pin_key, plan_pin


@dataclass(frozen=True)
class Pinning:
    """One key, reached through `kms` (a boto3 client) as its administrator `principal`."""

    kms: Any
    key_id: str
    principal: str

    @classmethod
    def as_admin(cls, admin: tuple[Any, Callable[[], str]], key_id: str) -> Pinning:
        """From `core.kms.manage.admin_access`/`admin_for`: the client and, asked now, who it is."""
        kms, principal = admin
        return cls(kms, key_id, principal())

    def plan(
        self,
        eif_path: Path,
        *,
        pcrs: Sequence[int] | None = None,
        replace: bool = False,
        for_principal: str | None = None,
        sids: Sequence[str] = (),
    ) -> PinPlan:
        """What applying would change (nothing is written); a lock-out is refused here. Only
        `for_principal`'s (or the `sids`') attested statements change (`core.kms.pin`)."""
        return plan_pin(
            self.kms,
            self.key_id,
            eif_path,
            principal=self.principal,
            pcrs=pcrs,
            replace=replace,
            for_principal=for_principal,
            sids=sids,
        )

    def apply(self, plan: PinPlan) -> bool:
        """PutKeyPolicy with the planned policy; False when it changes nothing."""
        return pin_key(self.kms, plan, lambda _plan: True)


def pinned_summary(plan: PinPlan) -> str:
    """`PCR0=0123…, PCR8=…`: the values the plan pins."""
    return ", ".join(f"PCR{n}={v[:16]}…" for n, v in sorted(plan.pcrs.items()))
