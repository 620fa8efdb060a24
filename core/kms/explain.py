"""Why KMS allowed or denied: the policy engine's own decision, turned into causes and fixes.

`explain()` evaluates the policy with the same engine the local KMS uses and then reads the
result: which statement decided, which condition failed with what expected against what actual,
and which well-known traps the policy holds (debug-mode zeros, a PCR0 from another build, an
Allow without attestation, a misspelled condition key, a decrypting principal that may also
rewrite the policy or create grants). Given the key's facts (`KeyFacts`: state and grants), it
also names a Disabled or pending-deletion key as the cause, and a grant that allows (or would
allow) the call where the policy does not. Every open path to the plaintext that the audit
(`core.kms.audit`) finds, in the policy or the grants, is a warning, and the audit travels along.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.kms.audit import KeyAudit, audit_key
from core.kms.conditions import parse_operator
from core.kms.context import IMAGE_SHA384, RECIPIENT_PREFIX, RequestContext, request_context
from core.kms.explain_key import KeyFacts, grant_notes, state_cause
from core.kms.keynames import check_key
from core.kms.policy import ConditionResult, Decision, StatementResult, evaluate
from core.kms.policy_model import Policy, parse_policy

ZERO = bytes(48)
DEBUG_ZERO_PCRS = (0, 1, 2)
MEANING = {
    0: "the enclave image",
    1: "the kernel and boot ramfs",
    2: "the application",
    3: "the parent instance's IAM role",
    4: "the parent instance's ID",
    8: "the EIF signing certificate",
}


@dataclass(frozen=True)
class Finding:
    """One thing the reader should know: a cause of the decision, or a weakness in the policy."""

    kind: str  # "cause" | "warning" | "note"
    statement: str | None
    message: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "statement": self.statement,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Explanation:
    decision: Decision
    context: RequestContext
    debug_mode: bool
    findings: tuple[Finding, ...]
    key_state: str | None = None
    grant: Mapping[str, Any] | None = None  # the grant that allows what the policy does not
    audit: KeyAudit | None = None  # every path to the key's plaintext

    @property
    def allowed(self) -> bool:
        """What KMS would answer: policy or grant allows, and the key's state permits it."""
        blocked = any(f.kind == "cause" and f.statement == "key state" for f in self.findings)
        return (self.decision.allowed or self.grant is not None) and not blocked

    def to_json(self) -> dict[str, Any]:
        return {
            "principal": self.context.principal,
            "action": self.context.action,
            "attestation": self.context.value(IMAGE_SHA384) is not None,
            "debug_mode": self.debug_mode,
            **self.decision.to_json(),
            "allowed_by_kms": self.allowed,
            "key_state": self.key_state,
            "grant_id": None if self.grant is None else self.grant.get("GrantId"),
            "findings": [f.to_json() for f in self.findings],
            "audit": None if self.audit is None else self.audit.to_json(),
        }


def is_debug(pcrs: Mapping[int, bytes] | None) -> bool:
    """Debug-mode documents carry all-zero PCR0/1/2 (docs/attestation.md §7)."""
    if not pcrs or 0 not in pcrs:
        return False
    return all(pcrs[i] == ZERO for i in DEBUG_ZERO_PCRS if i in pcrs)


def _pcr_index(key: str) -> int | None:
    lowered = key.lower()
    if lowered == IMAGE_SHA384.lower():
        return 0
    prefix = (RECIPIENT_PREFIX + "PCR").lower()
    if lowered.startswith(prefix) and lowered[len(prefix) :].isdigit():
        return int(lowered[len(prefix) :])
    return None


def _condition_finding(
    result: StatementResult, cond: ConditionResult, pcrs: Mapping[int, bytes] | None
) -> Finding:
    label = result.label
    expected = ", ".join(cond.expected)
    index = _pcr_index(cond.key)
    if index is not None and cond.actual is None:
        if pcrs is None:
            return Finding(
                "cause",
                label,
                f"{cond.operator} on {cond.key} cannot hold: the request has no attestation "
                "document, so KMS sets no kms:RecipientAttestation:* keys",
                "call KMS from inside the enclave with Recipient (nitrodeck kms decrypt, kmstool)",
            )
        return Finding(
            "cause",
            label,
            f"{cond.key} is not in the attestation document (user PCRs 16-31 appear only once "
            "locked)",
            f"lock PCR{index} in the enclave before attesting, or drop the condition",
        )
    if index is not None and cond.actual is not None:
        actual = cond.actual[0]
        name = "PCR0" if index == 0 else f"PCR{index}"
        if pcrs is not None and is_debug(pcrs) and index in (0, 1, 2, 8) and actual == ZERO.hex():
            return Finding(
                "cause",
                label,
                f"the enclave runs in debug mode: its {name} is all zeros, so it never matches "
                f"the policy's {expected}",
                "run the enclave without --debug-mode (debug documents zero PCR0/1/2/8)",
            )
        if (
            cond.operator.startswith("StringEquals")
            and not cond.operator.startswith("StringEqualsIgnoreCase")
            and any(e.lower() == actual for e in cond.expected)
        ):
            return Finding(
                "cause",
                label,
                f"{cond.key}: the policy's value is upper-case hex but KMS gives lower-case hex, "
                "and StringEquals is case-sensitive",
                "write the value in lower case, or use StringEqualsIgnoreCase as AWS recommends",
            )
        what = MEANING.get(index, f"PCR{index}")
        return Finding(
            "cause",
            label,
            f"{name} in the policy is not {what} the enclave runs: expected {expected}, "
            f"actual {actual}",
            f"update the policy to {actual} or run the image it pins",
        )
    actual_text = "absent" if cond.actual is None else ", ".join(cond.actual)
    return Finding(
        "cause",
        label,
        f"{cond.operator} on {cond.key}: expected {expected}, actual {actual_text}",
        "make the request carry the expected value, or change the condition",
    )


def _decision_findings(decision: Decision, pcrs: Mapping[int, bytes] | None) -> list[Finding]:
    findings: list[Finding] = []
    for result in decision.statements:
        matched_scope = result.principal_match and result.action_match and result.resource_match
        if result.effect == "Deny" and result.applies:
            held = ", ".join(f"{c.operator} {c.key}" for c in result.conditions) or "no condition"
            findings.append(
                Finding(
                    "cause",
                    result.label,
                    f"explicit Deny applies ({held} held); a Deny always wins over any Allow",
                    "satisfy the Deny's condition, or narrow the Deny",
                )
            )
        elif result.effect == "Allow" and matched_scope and not result.conditions_match:
            findings.extend(
                _condition_finding(result, c, pcrs) for c in result.conditions if not c.matched
            )
    if not decision.allowed and not findings:
        findings.append(
            Finding(
                "cause",
                None,
                "no Allow statement names this principal and action",
                "add an Allow for the principal and action (with the attestation conditions)",
            )
        )
    return findings


def _attestation_keys(statement: Any) -> list[tuple[str, str]]:
    return [
        (op.name, key)
        for op, entries in statement.conditions
        for key, _ in entries
        if key.lower().startswith(RECIPIENT_PREFIX.lower())
    ]


def _policy_findings(policy: Policy, context: RequestContext) -> list[Finding]:
    findings: list[Finding] = []
    for index, statement in enumerate(policy.statements):
        label = statement.sid or f"Statement[{index}]"
        for _, entries in statement.conditions:
            for key, _ in entries:
                problem = check_key(key)
                if problem:
                    kind = "cause" if problem.is_cause else "note"
                    findings.append(Finding(kind, label, problem.message, problem.fix))
        if statement.effect != "Allow":
            continue
        attested = _attestation_keys(statement)
        for operator, key in attested:
            if holds_when_absent(operator):
                findings.append(
                    Finding(
                        "warning",
                        label,
                        f"{operator} on {key} also holds for requests without attestation",
                        f"use {positive_form(operator)}: only attested requests pass",
                    )
                )
    return findings


def holds_when_absent(operator: str) -> bool:
    """Operators that are true when the key is missing (IAM rules; see core.kms.conditions)."""
    op = parse_operator(operator)
    return op.if_exists or op.set_prefix == "ForAllValues:" or (op.negated and not op.set_prefix)


def positive_form(operator: str) -> str:
    """The operator an Allow on attestation keys should use instead."""
    base = parse_operator(operator).base
    return base.replace("Not", "", 1) if base.startswith("StringNot") else base


def explain(
    policy: str | Policy,
    *,
    principal: str,
    action: str = "kms:Decrypt",
    pcrs: Mapping[int, bytes] | None = None,
    resource: str = "*",
    encryption_context: Mapping[str, str] | None = None,
    key: KeyFacts | None = None,
) -> Explanation:
    """Evaluate and explain `policy` for one request; `pcrs` None means no attestation document.

    With `key`, its state and grants take part as they do in KMS."""
    parsed = policy if isinstance(policy, Policy) else parse_policy(policy)
    context = request_context(
        principal=principal,
        action=action,
        resource=resource,
        pcrs=pcrs,
        encryption_context=encryption_context,
    )
    decision = evaluate(parsed, context)
    findings = _decision_findings(decision, pcrs) if not decision.allowed else []
    findings += _policy_findings(parsed, context)
    grants = key.grants if key is not None and key.grants_read else None
    audit = audit_key(parsed, grants, key_arn=resource)
    findings += [
        Finding("warning", path.source, f"{path.principal}: {path.detail}", path.fix)
        for path in audit.open_paths
    ]
    debug = pcrs is not None and is_debug(pcrs)
    if debug and not any("debug mode" in f.message for f in findings):
        findings.append(
            Finding(
                "note",
                None,
                "the enclave runs in debug mode (PCR0/1/2 all zeros): a policy that admits it "
                "admits every debug enclave",
                "pin the production image's PCR0 in the policy",
            )
        )
    grant = None
    if key is not None:
        grant, notes = grant_notes(
            key,
            principal,
            action,
            encryption_context,
            policy_allows=decision.allowed,
            explicit_deny=decision.explicit_deny,
        )
        if grant is not None:  # the policy's causes of denial do not decide: the grant allows
            findings = [f for f in findings if f.kind != "cause"]
        findings += [Finding("note", "grant", note) for note in notes]
        cause = state_cause(key, action)
        if cause is not None:  # first: no policy change helps while the key is in this state
            findings.insert(0, Finding("cause", "key state", cause[0], cause[1]))
    order = {"cause": 0, "warning": 1, "note": 2}
    findings.sort(key=lambda f: order[f.kind])
    state = key.state if key is not None else None
    return Explanation(decision, context, debug, tuple(findings), state, grant, audit)
