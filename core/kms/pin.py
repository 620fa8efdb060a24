"""Pin a key to an image: put an EIF's measurements into the key policy's attestation conditions.

`pin_policy` rewrites the policy text: in the Allow statements that already test
`kms:RecipientAttestation:*` for the chosen principal (or the chosen Sids; `core.kms.pin_scope`:
other principals' statements are never touched), each chosen PCR's condition gets the image's
value beside the values already there (so the old and the rebuilt image both decrypt during a
rollout), or instead of them with `replace`. PCR0 is written to whichever of `ImageSha384` /
`PCR0` the statement already uses. The new policy must still let the caller call PutKeyPolicy
without attestation (the administrator must not lock themself out); `pin_key` shows the diff,
asks, and calls PutKeyPolicy through any boto3 client (local KMS or AWS KMS).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError, UsageError
from core.kms.context import request_context
from core.kms.manage import get_policy, policy_diff, put_policy
from core.kms.pin_scope import Statements, pin_scope
from core.kms.policy import evaluate

PREFIX = "kms:RecipientAttestation:"
IMAGE_KEY = PREFIX + "ImageSha384"
MEASURED = (0, 1, 2, 8)
# Values are added only under equality operators (a `Null` test on the same key is left alone).
PIN_OPERATORS = ("stringequals", "stringequalsignorecase")


@dataclass(frozen=True)
class PinPlan:
    key_arn: str
    old: str
    new: str
    pcrs: dict[int, str]
    statements: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(json.loads(self.old) != json.loads(self.new))

    @property
    def diff(self) -> str:
        return policy_diff(self.old, self.new)

    def to_json(self) -> dict[str, Any]:
        return {
            "KeyArn": self.key_arn,
            "Pcrs": {f"PCR{n}": value for n, value in sorted(self.pcrs.items())},
            "Statements": list(self.statements),
            "Changed": self.changed,
            "Diff": self.diff,
        }


def parse_pcrs(text: str) -> list[int]:
    """`0,1,2,8` → [0, 1, 2, 8]; only the PCRs an EIF determines."""
    try:
        pcrs = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise UsageError(
            f"cannot read --pcrs {text!r}", where="--pcrs", fix="e.g. 0,1,2,8"
        ) from None
    bad = [n for n in pcrs if n not in MEASURED]
    if bad or not pcrs:
        raise UsageError(
            f"an image determines PCR0, 1, 2 and 8 only, not {bad or 'none'}", where="--pcrs"
        )
    return pcrs


def image_pcrs(eif_path: Path, pcrs: Sequence[int]) -> dict[int, str]:
    """The chosen PCRs of an EIF (PCR8 only if the image is signed)."""
    from core.eif import measure_eif

    measured = measure_eif(eif_path)
    values = {0: measured.pcr0, 1: measured.pcr1, 2: measured.pcr2, 8: measured.pcr8}
    missing = [n for n in pcrs if values[n] is None]
    if missing:
        raise NitrodeckError(
            "the image is not signed, so it has no PCR8",
            where=str(eif_path),
            fix="drop 8 from --pcrs, or sign the image with `nitrodeck eif sign`",
        )
    return {n: str(values[n]) for n in pcrs}


def _pcr_of_key(key: str) -> int | None:
    lowered = key.lower()
    if lowered == IMAGE_KEY.lower():
        return 0
    suffix = lowered.removeprefix(PREFIX.lower())
    if suffix != lowered and suffix.startswith("pcr") and suffix[3:].isdigit():
        return int(suffix[3:])
    return None


def pinned_pcrs(statements: Statements) -> list[int]:
    """PCRs the statements already pin (ImageSha384 counts as PCR0)."""
    found = {
        pcr
        for _, statement in statements
        for block in _pin_blocks(statement)
        for key in block
        if (pcr := _pcr_of_key(key)) is not None
    }
    return sorted(found)


def attested_statements(policy: dict[str, Any]) -> Statements:
    """(label, statement) of each Allow statement with a PCR condition to pin."""
    return [
        (str(statement.get("Sid") or f"Statement[{index}]"), statement)
        for index, statement in enumerate(_statements(policy))
        if statement.get("Effect") == "Allow"
        and any(_pcr_of_key(key) is not None for b in _pin_blocks(statement) for key in b)
    ]


def _pin_blocks(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """The statement's condition blocks under equality operators."""
    return [
        block
        for operator, block in (statement.get("Condition") or {}).items()
        if operator.lower() in PIN_OPERATORS and isinstance(block, dict)
    ]


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        return [statements]
    return [s for s in statements or [] if isinstance(s, dict)]


def _pin_block(block: dict[str, Any], pcrs: dict[int, str], replace: bool) -> None:
    keys = {_pcr_of_key(key): key for key in block if _pcr_of_key(key) is not None}
    for pcr, value in pcrs.items():
        key = keys.get(pcr) or f"{PREFIX}PCR{pcr}"
        current = block.get(key, [])
        values = [] if replace else list(current if isinstance(current, list) else [current])
        if value not in (v.lower() for v in values if isinstance(v, str)):
            values.append(value)
        block[key] = values[0] if len(values) == 1 else values


def _load(text: str) -> dict[str, Any]:
    try:
        policy = json.loads(text)
    except ValueError:
        policy = None
    if not isinstance(policy, dict):
        raise NitrodeckError(
            "the key policy is not a JSON object", fix="fix it with put-key-policy"
        )
    return policy


def pin_policy(
    text: str,
    pcrs: dict[int, str],
    *,
    replace: bool,
    for_principal: str | None = None,
    sids: Sequence[str] = (),
) -> tuple[str, list[str]]:
    """The policy with `pcrs` pinned in the chosen statements, and their labels."""
    policy = _load(text)
    attested = attested_statements(policy)
    if not attested:
        raise NitrodeckError(
            "the key policy has no Allow statement with kms:RecipientAttestation conditions, "
            "so there is nothing to pin to",
            fix="add a statement for the enclave (see `nitrodeck kms create-demo-key`) first",
        )
    changed = []
    for label, statement in pin_scope(attested, principal=for_principal, sids=sids):
        pinned = [b for b in _pin_blocks(statement) if any(_pcr_of_key(k) is not None for k in b)]
        _pin_block(pinned[0], pcrs, replace)
        for other in pinned[1:]:  # the same PCR under another operator: keep them in step
            if any(_pcr_of_key(k) in pcrs for k in other):
                _pin_block(other, {p: v for p, v in pcrs.items() if p in _keyed(other)}, replace)
        changed.append(label)
    return json.dumps(policy, indent=2), changed


def _keyed(block: dict[str, Any]) -> set[int | None]:
    return {_pcr_of_key(k) for k in block}


def check_not_locked_out(text: str, principal: str, key_arn: str) -> None:
    """Refuse a policy under which `principal` could no longer call PutKeyPolicy."""
    context = request_context(principal=principal, action="kms:PutKeyPolicy", resource=key_arn)
    if not evaluate(text, context).allowed:
        raise NitrodeckError(
            f"the new policy would not let {principal} call kms:PutKeyPolicy: it would lock "
            "its own administrator out",
            fix="keep an administrator statement without attestation conditions",
        )


def plan_pin(
    kms: Any,
    key_id: str,
    eif_path: Path,
    *,
    principal: str,
    pcrs: Sequence[int] | None = None,
    replace: bool = False,
    for_principal: str | None = None,
    sids: Sequence[str] = (),
) -> PinPlan:
    """Everything `pin_key` would do, without doing it (for the diff and the question).

    `principal` is the administrator making the change; `for_principal` / `sids` choose whose
    statements change (default: the policy's only attested principal)."""
    old, arn = get_policy(kms, key_id)
    scope = pin_scope(attested_statements(_load(old)), principal=for_principal, sids=sids)
    chosen = list(pcrs) if pcrs else pinned_pcrs(scope)
    if not chosen:
        raise UsageError(
            "the key policy pins no PCR yet, so say which to pin", where="--pcrs", fix="e.g. 0"
        )
    values = image_pcrs(eif_path, chosen)
    new, statements = pin_policy(
        old, values, replace=replace, for_principal=for_principal, sids=sids
    )
    check_not_locked_out(new, principal, arn)
    return PinPlan(arn, old, new, values, tuple(statements))


def pin_key(kms: Any, plan: PinPlan, confirm: Callable[[PinPlan], bool]) -> bool:
    """PutKeyPolicy with the planned policy if it changes anything and `confirm` agrees."""
    if not plan.changed or not confirm(plan):
        return False
    put_policy(kms, plan.key_arn, plan.new)
    return True
