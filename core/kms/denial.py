"""Why KMS said no to a `Recipient` request: the key policy against the enclave's document.

A thin adapter over the one policy engine (`core.kms.policy`) and the one document parser
(`core.attestation`): it builds the request context KMS would have built from the document and
the caller, evaluates the policy, and turns the failed conditions into sentences with a fix.
The local KMS denies with the same engine, so the explanation names the real reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.attestation import is_debug_mode, parse_document
from core.kms.context import RECIPIENT_PREFIX, request_context
from core.kms.policy import ConditionResult, Decision, evaluate

IMAGE_KEYS = ("imagesha384", "pcr0")


@dataclass(frozen=True)
class DenialExplanation:
    """The decision, one sentence per failed condition (with its fix), and a summary."""

    decision: Decision
    summary: str
    reasons: tuple[str, ...] = field(default=())
    debug_mode: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "reasons": list(self.reasons),
            "debug_mode": self.debug_mode,
            "decision": self.decision.to_json(),
        }


def _short(value: str) -> str:
    return value if len(value) <= 20 else f"{value[:12]}…{value[-8:]}"


def _pcr_name(key: str) -> str:
    suffix = (
        key[len(RECIPIENT_PREFIX) :] if key.lower().startswith(RECIPIENT_PREFIX.lower()) else key
    )
    return "PCR0 (ImageSha384)" if suffix.lower() == "imagesha384" else suffix.upper()


def _reason(condition: ConditionResult, debug: bool) -> str:
    key = condition.key
    expected = ", ".join(_short(v) for v in condition.expected)
    if not key.lower().startswith(RECIPIENT_PREFIX.lower()):
        actual = "absent" if condition.actual is None else ", ".join(condition.actual)
        return f"{condition.operator} {key}: policy expects {expected}, the request has {actual}"
    name = _pcr_name(key)
    if condition.actual is None:
        return (
            f"{name}: the policy expects {expected} but the document carries no {name}; "
            "user PCRs appear only once the enclave locks them"
        )
    actual = ", ".join(_short(v) for v in condition.actual)
    image_pcr = key.lower().endswith(IMAGE_KEYS) or name in ("PCR1", "PCR2", "PCR8")
    if debug and image_pcr:
        return (
            f"{name}: the enclave runs in debug mode, so its {name} is all zeros ({actual}); "
            f"the policy expects {expected}. Run the enclave without --debug-mode"
        )
    return (
        f"{name}: the policy expects {expected}, the enclave attests {actual}: the enclave runs "
        "a different image than the policy names; update the policy to the new measurement "
        "(nitrodeck eif describe) or run the image it names"
    )


def explain_denial(
    policy: str | Mapping[str, Any],
    document: bytes,
    principal: str,
    *,
    resource: str,
    action: str = "kms:Decrypt",
    encryption_context: Mapping[str, str] | None = None,
) -> DenialExplanation:
    """Evaluate `policy` as KMS would for `principal` presenting `document` in `Recipient`."""
    doc = parse_document(document)
    debug = is_debug_mode(doc)
    context = request_context(
        principal=principal,
        action=action,
        resource=resource,
        pcrs=doc.pcrs,
        encryption_context=encryption_context,
    )
    decision = evaluate(policy, context)
    reasons: list[str] = []
    for statement in decision.statements:
        relevant = statement.principal_match and statement.action_match
        if not relevant:
            continue
        if statement.effect == "Deny" and statement.applies:
            reasons.append(f"statement {statement.label} explicitly denies {action}")
        elif statement.effect == "Allow" and not statement.applies:
            for condition in statement.conditions:
                if not condition.matched:
                    reasons.append(f"{statement.label}: {_reason(condition, debug)}")
    if not reasons and not decision.allowed:
        reasons.append(
            f"no statement allows {action} for {principal}: add an Allow for this principal"
        )
    if decision.allowed:
        summary = f"the policy allows this request ({decision.reason})"
    elif debug:
        summary = "denied: the enclave runs in debug mode (PCR0 is all zeros); " + reasons[0]
    else:
        summary = "denied: " + reasons[0]
    return DenialExplanation(decision, summary, tuple(reasons), debug)
