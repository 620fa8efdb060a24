"""The recipient check: an attestation document from `Recipient`, verified, reduced to what KMS
uses (its PCRs for the `kms:RecipientAttestation:*` keys and its public key for the CMS).

The local KMS takes any `RecipientVerifier`, so tests can inject a fake; the default one is the
project's single attestation verifier (`core.attestation`) with the AWS root, the simulator root
(once the simulator has made it) and any extra PEM roots as anchors, checked at the current time.

An enclave sends the same document with every request of a session (kmstool makes one per
client), so the default verifier remembers each verified document by its exact bytes until the
earliest `not_after` in its chain (or its local maximum age): a repeat costs a dictionary lookup
instead of an ES384 verification, and a document is never accepted past its chain's validity.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509

from core.attestation import (
    TrustAnchor,
    Verifier,
    anchor_from_pem,
    aws_root_anchor,
    sim_root_anchor,
)
from core.attestation.trust import sim_root_path
from core.errors import NitrodeckError
from core.home import Home

WHERE = "Recipient.AttestationDocument"
CACHE_ENTRIES = 128
CACHE_MAX_DOCUMENT = 16384  # real documents are about 4.5 KiB; bigger ones are not kept


class RecipientDocumentError(NitrodeckError):
    """The `Recipient` attestation document does not verify or lacks a usable public key."""


@dataclass(frozen=True)
class VerifiedRecipient:
    pcrs: Mapping[int, bytes] = field(default_factory=dict)
    public_key: bytes = b""


RecipientVerifier = Callable[[bytes], VerifiedRecipient]


def default_anchors(home: Home, extra_pems: Sequence[Path] = ()) -> list[TrustAnchor]:
    """AWS root, the root of `home`'s simulator when it has made one, and any extra PEM roots."""
    anchors = [aws_root_anchor()]
    if sim_root_path(home).exists():
        anchors.append(sim_root_anchor(home))
    anchors.extend(anchor_from_pem(pem) for pem in extra_pems)
    return anchors


def verify_with(
    verifier: Verifier, document: bytes, max_age: timedelta | None = None
) -> VerifiedRecipient:
    """Verify `document` now with `verifier`; RecipientDocumentError says why it is refused."""
    return _verify_until(verifier, document, max_age)[0]


@functools.lru_cache(maxsize=64)
def _not_after(der: bytes) -> datetime:
    """A certificate's expiry; one enclave's chain repeats in every document it sends."""
    return x509.load_der_x509_certificate(der).not_valid_after_utc


def _verify_until(
    verifier: Verifier, document: bytes, max_age: timedelta | None
) -> tuple[VerifiedRecipient, datetime]:
    """The verified recipient and the moment it stops being acceptable.

    `max_age` is a local policy (KMS documents none): refuse documents whose timestamp is older.
    """
    now = datetime.now(UTC)
    try:
        report = verifier.verify(document, at=now)
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
    age = now - datetime.fromtimestamp(doc.timestamp_ms / 1000, UTC)
    if max_age is not None and age > max_age:
        raise RecipientDocumentError(
            f"the attestation document is {int(age.total_seconds())} s old, over the local "
            f"maximum of {int(max_age.total_seconds())} s",
            where=WHERE,
            fix="ask the enclave for a fresh document, or raise --max-document-age",
        )
    if not doc.public_key:
        raise RecipientDocumentError(
            "the attestation document has no public_key",
            where=WHERE,
            fix="request the document with the enclave's RSA-2048 SPKI as public_key",
        )
    until = min(_not_after(der) for der in (doc.certificate, *doc.cabundle))
    if max_age is not None:
        until = min(until, datetime.fromtimestamp(doc.timestamp_ms / 1000, UTC) + max_age)
    return VerifiedRecipient(pcrs=dict(doc.pcrs), public_key=bytes(doc.public_key)), until


class AttestationRecipientVerifier:
    """The default verifier. It picks up the simulator root once the simulator creates it,
    so a local KMS started before the simulator still trusts simulated enclaves."""

    def __init__(
        self, home: Home, extra_pems: Sequence[Path] = (), max_age: timedelta | None = None
    ) -> None:
        self._home = home
        self._extra = list(extra_pems)
        self._max_age = max_age
        self._lock = threading.Lock()
        self._verifier = Verifier(default_anchors(self._home, self._extra))
        self._sim_root = sim_root_path(self._home)
        self._has_sim = self._sim_root.exists()
        self._verified: OrderedDict[bytes, tuple[VerifiedRecipient, datetime]] = OrderedDict()

    def __call__(self, document: bytes) -> VerifiedRecipient:
        now = datetime.now(UTC)
        with self._lock:
            known = self._verified.get(document)
            if known is not None and now < known[1]:
                self._verified.move_to_end(document)
                return known[0]
            if not self._has_sim and self._sim_root.exists():  # the path is resolved once
                self._verifier = Verifier(default_anchors(self._home, self._extra))
                self._has_sim = True
            verifier = self._verifier
        recipient, until = _verify_until(verifier, document, self._max_age)
        if len(document) <= CACHE_MAX_DOCUMENT:
            with self._lock:
                self._verified[document] = (recipient, until)
                self._verified.move_to_end(document)
                while len(self._verified) > CACHE_ENTRIES:
                    self._verified.popitem(last=False)
        return recipient
