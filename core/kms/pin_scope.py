"""Which statements a pin may change: those of one principal, or those named by Sid.

A key policy can hold attested statements for several principals (the enclave's parent, another
service, a second application). Pinning one image must not rewrite the others' conditions, nor
lock them out with `--replace`, so `pin_scope` picks the statements of the chosen principal
(or the chosen Sids); with neither, the policy must attest exactly one principal. A statement
that names the chosen principal beside others is refused unless chosen by Sid, since changing
it changes their access too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.errors import NitrodeckError, UsageError
from core.kms.policy import principal_matches

Statements = list[tuple[str, dict[str, Any]]]  # (label, statement) of the attested Allows


def principals_of(statement: dict[str, Any]) -> list[str]:
    """The principals a statement names (`*` for `"Principal": "*"` or a NotPrincipal)."""
    named = statement.get("Principal")
    if named is None or named == "*":
        return ["*"]
    found: list[str] = []
    for value in named.values() if isinstance(named, dict) else []:
        found += value if isinstance(value, list) else [value]
    return [str(p) for p in found]


def pin_scope(
    attested: Statements, *, principal: str | None = None, sids: Sequence[str] = ()
) -> Statements:
    """The attested statements to change (raises a NitrodeckError saying how to choose)."""
    if sids:
        by_sid = {label: s for label, s in attested}
        missing = [sid for sid in sids if sid not in by_sid]
        if missing:
            raise UsageError(
                f"no Allow statement with attestation conditions has Sid {', '.join(missing)}",
                where="--sid",
                fix=f"choose among: {', '.join(by_sid) or 'none'}",
            )
        return [(sid, by_sid[sid]) for sid in dict.fromkeys(sids)]
    if principal is None:
        return _the_only_principal(attested)
    chosen = [(label, s) for label, s in attested if _names(s, principal)]
    if not chosen:
        raise UsageError(
            f"no Allow statement with attestation conditions names {principal}",
            where="--principal",
            fix=f"choose among: {_listing(attested)}",
        )
    for label, statement in chosen:
        others = [p for p in principals_of(statement) if not _same(p, principal)]
        if others:
            raise NitrodeckError(
                f"statement {label} names {', '.join(others)} beside {principal}: pinning it "
                "would change their access too",
                where="key policy",
                fix=f"split the statement per principal, or pin it for all of them: --sid {label}",
            )
    return chosen


def _same(pattern: str, principal: str) -> bool:
    return pattern == principal or (pattern != "*" and principal_matches(pattern, principal))


def _names(statement: dict[str, Any], principal: str) -> bool:
    return any(_same(p, principal) for p in principals_of(statement))


def _listing(attested: Statements) -> str:
    return "; ".join(f"{', '.join(principals_of(s))} (--sid {label})" for label, s in attested)


def _the_only_principal(attested: Statements) -> Statements:
    principals = {p for _, s in attested for p in principals_of(s)}
    if len(principals) > 1:
        raise UsageError(
            "the key policy attests several principals; a pin changes one principal's "
            f"statements only: {_listing(attested)}",
            where="--principal",
            fix="name the principal (--principal ARN) or the statements (--sid SID)",
        )
    return attested
