"""Verify attestation documents: parse, then run every named check in order.

A `Verifier` is meant to live long (one per trust configuration): it caches parsed certificates
and chain-validation results by the exact certificate bytes, so a stream of documents from one
enclave costs one signature check each. Validity is still checked at each verification time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm

from core.attestation.certs import CertCache, CertInfo
from core.attestation.chain import ChainValidator
from core.attestation.checks import CHECKS, FAIL, Context, document_time
from core.attestation.document import AttestationDocument, parse_document
from core.attestation.expectations import Expectations
from core.attestation.inputs import decode_document_input
from core.attestation.report import VerificationReport
from core.attestation.trust import TrustAnchor
from core.checks import Check

NO_EXPECTATIONS = Expectations()
CERTIFICATE_ERRORS = (ValueError, UnsupportedAlgorithm, x509.DuplicateExtension)


def _aware(at: datetime) -> datetime:
    """Naive times are taken as UTC (documents and certificates are all in UTC)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


class Verifier:
    """Verifies documents against fixed trust anchors, caching what it already verified."""

    def __init__(self, anchors: Sequence[TrustAnchor], *, cache_size: int = 256) -> None:
        self.anchors = tuple(anchors)
        self._certs = CertCache(cache_size * 4)
        for anchor in self.anchors:
            self._certs.add(anchor.info)
        self._chains = ChainValidator(self.anchors, self._certs, cache_size)

    def verify(
        self, data: bytes, *, at: datetime, expect: Expectations | None = None
    ) -> VerificationReport:
        """Parse `data` (raw, base64 or hex) and check it; `AttestationError` if unparseable."""
        document = parse_document(decode_document_input(data))
        return self.verify_document(document, at=at, expect=expect)

    def verify_document(
        self, doc: AttestationDocument, *, at: datetime, expect: Expectations | None = None
    ) -> VerificationReport:
        """Run every check on an already parsed document."""
        ctx = self._context(doc, _aware(at), expect or NO_EXPECTATIONS)
        checks: list[Check] = []
        for name, check in CHECKS:
            try:
                checks.append(check(ctx))
            except CERTIFICATE_ERRORS as error:
                # cryptography parses extensions lazily and reports damage as ValueError.
                checks.append(Check(name, FAIL, f"cannot check: malformed data ({error})"))
        anchor = ctx.chain.anchor
        return VerificationReport(doc, tuple(checks), ctx.at, anchor.name if anchor else None)

    def _context(self, doc: AttestationDocument, at: datetime, expect: Expectations) -> Context:
        leaf = self._certs.get(doc.certificate)
        cabundle = tuple(self._certs.get(der) for der in doc.cabundle)
        chain = self._chains.validate(doc.certificate, doc.cabundle)
        root: CertInfo | str | None = cabundle[0] if cabundle else None
        if chain.anchor is not None:
            root = self._certs.get(chain.anchor.der)
        stamp = document_time(doc)
        return Context(doc, at, expect, leaf, cabundle, chain, self.anchors, root, stamp)


def verify(
    data: bytes,
    *,
    anchors: Sequence[TrustAnchor],
    at: datetime,
    expect: Expectations | None = None,
) -> VerificationReport:
    """One-off verification (no cache kept); prefer a long-lived `Verifier` for streams."""
    return Verifier(anchors).verify(data, at=at, expect=expect)
