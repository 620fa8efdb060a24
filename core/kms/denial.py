"""Why KMS said no to a `Recipient` request: the key policy against the enclave's document.

A thin adapter between the recipient flow and the explainer (`core.kms.explain`, the same policy
engine the local KMS denies with): it parses the document the enclave sent and hands its PCRs
and the caller to `explain`, then condenses the findings into a one-line summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.attestation import parse_document
from core.kms.explain import Explanation, explain
from core.kms.explain_key import KeyFacts


@dataclass(frozen=True)
class DenialExplanation:
    explanation: Explanation
    summary: str

    @property
    def debug_mode(self) -> bool:
        return self.explanation.debug_mode

    def lines(self) -> list[str]:
        """One line per cause (with its fix), then warnings and notes."""
        out = []
        for finding in self.explanation.findings:
            where = f"[{finding.statement}] " if finding.statement else ""
            out.append(f"{finding.kind}: {where}{finding.message}")
            if finding.fix:
                out.append(f"  fix: {finding.fix}")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"summary": self.summary, **self.explanation.to_json()}


def explain_denial(
    policy: str,
    document: bytes,
    principal: str,
    *,
    resource: str,
    action: str = "kms:Decrypt",
    encryption_context: Mapping[str, str] | None = None,
    key: KeyFacts | None = None,
) -> DenialExplanation:
    """Evaluate `policy` as KMS would for `principal` presenting `document` in `Recipient`
    (with `key`: also the key's state and grants)."""
    doc = parse_document(document)
    explanation = explain(
        policy,
        principal=principal,
        action=action,
        pcrs=doc.pcrs,
        resource=resource,
        encryption_context=encryption_context,
        key=key,
    )
    causes = [f for f in explanation.findings if f.kind == "cause"]
    if explanation.allowed and explanation.grant is not None:
        summary = "a grant, not the key policy, allows this request"
    elif explanation.allowed:
        summary = f"the policy allows this request ({explanation.decision.reason})"
    elif causes:
        summary = f"denied: {causes[0].message}"
    else:
        summary = f"denied: {explanation.decision.reason}"
    return DenialExplanation(explanation, summary)
