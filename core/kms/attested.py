"""The recipient check: an attestation document from `Recipient`, verified, reduced to what KMS
uses (its PCRs for the `kms:RecipientAttestation:*` keys and its public key for the CMS).

The local KMS takes any `RecipientVerifier`, so tests can inject a fake; the default one is the
project's single attestation verifier (`core.attestation`) with the AWS root, the simulator root
(once the simulator has made it) and any extra PEM roots as anchors, checked at the current time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.attestation import (
    TrustAnchor,
    Verifier,
    anchor_from_pem,
    aws_root_anchor,
    sim_root_anchor,
)
from core.attestation.trust import sim_root_path
from core.errors import NitrodeckError

WHERE = "Recipient.AttestationDocument"


class RecipientDocumentError(NitrodeckError):
    """The `Recipient` attestation document does not verify or lacks a usable public key."""


@dataclass(frozen=True)
class VerifiedRecipient:
    pcrs: Mapping[int, bytes] = field(default_factory=dict)
    public_key: bytes = b""


RecipientVerifier = Callable[[bytes], VerifiedRecipient]


def default_anchors(extra_pems: Sequence[Path] = ()) -> list[TrustAnchor]:
    """AWS root, the simulator root when the simulator has made one, and any extra PEM roots."""
    anchors = [aws_root_anchor()]
    if sim_root_path().exists():
        anchors.append(sim_root_anchor())
    anchors.extend(anchor_from_pem(pem) for pem in extra_pems)
    return anchors


def verify_with(verifier: Verifier, document: bytes) -> VerifiedRecipient:
    """Verify `document` now with `verifier`; RecipientDocumentError says why it is refused."""
    try:
        report = verifier.verify(document, at=datetime.now(UTC))
    except NitrodeckError as error:
        raise RecipientDocumentError(error.what, where=WHERE, fix=error.fix) from None
    if not report.ok:
        failures = "; ".join(f"{c.name}: {c.evidence}" for c in report.failures)
        raise RecipientDocumentError(
            f"the attestation document does not verify ({failures})",
            where=WHERE,
            fix="send a fresh document from an enclave whose root is a configured anchor",
        )
    doc = report.document
    if not doc.public_key:
        raise RecipientDocumentError(
            "the attestation document has no public_key",
            where=WHERE,
            fix="request the document with the enclave's RSA-2048 SPKI as public_key",
        )
    return VerifiedRecipient(pcrs=dict(doc.pcrs), public_key=bytes(doc.public_key))


class AttestationRecipientVerifier:
    """The default verifier. It picks up the simulator root once the simulator creates it,
    so a local KMS started before the simulator still trusts simulated enclaves."""

    def __init__(self, extra_pems: Sequence[Path] = ()) -> None:
        self._extra = list(extra_pems)
        self._lock = threading.Lock()
        self._verifier = Verifier(default_anchors(self._extra))
        self._has_sim = sim_root_path().exists()

    def __call__(self, document: bytes) -> VerifiedRecipient:
        with self._lock:
            if not self._has_sim and sim_root_path().exists():
                self._verifier = Verifier(default_anchors(self._extra))
                self._has_sim = True
            verifier = self._verifier
        return verify_with(verifier, document)
