"""The recipient check: an attestation document from `Recipient`, verified, reduced to what KMS
uses (its PCRs for the `kms:RecipientAttestation:*` keys and its public key for the CMS).

The local KMS takes any `RecipientVerifier`, so tests can inject a fake; the default one is the
project's single attestation verifier (`core.attestation`) with the simulator root and the AWS
root as anchors, checked at the current time.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError


class RecipientDocumentError(NitrodeckError):
    """The `Recipient` attestation document does not verify or lacks a usable public key."""


@dataclass(frozen=True)
class VerifiedRecipient:
    pcrs: Mapping[int, bytes] = field(default_factory=dict)
    public_key: bytes = b""


RecipientVerifier = Callable[[bytes], VerifiedRecipient]


def _attestation() -> Any:
    try:
        return importlib.import_module("core.attestation")
    except ModuleNotFoundError:
        raise NitrodeckError(
            "the attestation verifier (core.attestation) is not installed in this build",
            where="local KMS",
            fix="merge the attestation branch, or run the local KMS without Recipient requests",
        ) from None


def default_anchors(extra_pems: Sequence[Path] = ()) -> list[Any]:
    """AWS root, the simulator root when the simulator has made one, and any extra PEM roots."""
    attestation = _attestation()
    anchors = [attestation.aws_root_anchor()]
    with contextlib.suppress(NitrodeckError):
        anchors.append(attestation.sim_root_anchor())
    for pem in extra_pems:
        anchors.append(attestation.pem_anchor(pem))
    return anchors


def attestation_verifier(extra_pems: Sequence[Path] = ()) -> RecipientVerifier:
    """A verifier over the configured anchors, checking the chain at the time of each call."""
    attestation = _attestation()
    verifier = attestation.Verifier(default_anchors(extra_pems))

    def verify(document: bytes) -> VerifiedRecipient:
        try:
            report = verifier.verify(document, at=datetime.now(UTC))
        except NitrodeckError as error:
            raise RecipientDocumentError(error.what, where=error.where, fix=error.fix) from None
        if not report.ok:
            failures = "; ".join(str(f) for f in report.failures) or "verification failed"
            raise RecipientDocumentError(
                f"the attestation document does not verify: {failures}",
                where="Recipient.AttestationDocument",
                fix="send a fresh document from an enclave whose root is a configured anchor",
            )
        doc = report.document
        if not doc.public_key:
            raise RecipientDocumentError(
                "the attestation document has no public_key",
                where="Recipient.AttestationDocument",
                fix="request the document with the enclave's RSA-2048 SPKI as public_key",
            )
        return VerifiedRecipient(pcrs=dict(doc.pcrs), public_key=bytes(doc.public_key))

    return verify
