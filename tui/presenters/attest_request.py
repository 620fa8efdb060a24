"""What the attestation form asks for, checked and turned into core calls (no widgets here).

The form's text fields become an `AttestRequest`; `fetch_document` gets the document (from the
enclave's agent, or a file) and `verify_request` runs `core.attestation`'s checks on it. Every
bad field is a `UsageError` naming the field and how to fix it, shown in the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.agent.client import connect_agent
from core.attestation import Expectations, VerificationReport, Verifier
from core.attestation.expectations import file_expectations
from core.attestation.inputs import parse_hex, parse_time, read_document
from core.attestation.trust import trust_anchors
from core.errors import UsageError
from core.platform.base import Platform

AGENT_WAIT = 10.0


@dataclass(frozen=True)
class AttestRequest:
    """A checked form: where the document comes from and what it must carry."""

    source: str
    from_file: bool
    nonce: bytes | None = None
    user_data: bytes | None = None
    expected_pcrs: dict[int, bytes] = field(default_factory=dict)
    expect_source: str = ""
    trust: tuple[str, ...] = ()
    """Anchor names (`aws`, `sim`, PEM paths); empty means `core`'s default, AWS's root."""
    at: datetime | None = None

    def expectations(self) -> Expectations:
        return Expectations(pcrs=self.expected_pcrs, nonce=self.nonce, user_data=self.user_data)


def user_data_bytes(text: str) -> bytes | None:
    """User data: `hex:…` for bytes, anything else is taken as UTF-8 text."""
    if text.startswith("hex:"):
        return parse_hex("user data", text[4:])
    return text.encode() or None


def parse_request(
    source: str,
    nonce: str,
    user_data: str,
    expect_from: str = "",
    trust: str = "",
    at: str = "",
    *,
    generated_nonce: str = "",
) -> AttestRequest:
    """The form as a request. A file source is checked against the nonce only if one was typed
    (the generated default is for asking an enclave)."""
    source = source.strip()
    if not source:
        raise UsageError(
            "choose an enclave or a document file", where="source", fix="type a name or a path"
        )
    path = Path(source).expanduser()
    from_file = path.is_file()
    if from_file and nonce.strip() == generated_nonce:
        nonce = ""
    names = tuple(name.strip() for name in trust.split(",") if name.strip())
    return AttestRequest(
        source=str(path) if from_file else source,
        from_file=from_file,
        nonce=parse_hex("nonce", nonce),
        user_data=user_data_bytes(user_data),
        expected_pcrs=_expected(expect_from.strip()),
        expect_source=expect_from.strip(),
        trust=names,
        at=parse_time(at.strip(), where="at") if at.strip() else None,
    )


def _expected(path_text: str) -> dict[int, bytes]:
    return file_expectations(Path(path_text).expanduser()) if path_text else {}


def fetch_document(platform: Platform | None, request: AttestRequest) -> bytes:
    """The raw document: read from the file, or asked of the enclave's agent (blocking)."""
    if request.from_file:
        return read_document(request.source)
    if platform is None:
        raise UsageError("no platform to ask for the enclave", where=request.source)
    with connect_agent(platform, request.source, wait=AGENT_WAIT) as agent:
        return agent.attest(nonce=request.nonce, user_data=request.user_data)


def verify_request(document: bytes, request: AttestRequest, now: datetime) -> VerificationReport:
    """Every check of `core.attestation` on `document`, at the request's time or `now` (UTC)."""
    at = request.at or (now if now.tzinfo else now.replace(tzinfo=UTC))
    verifier = Verifier(trust_anchors(request.trust))
    return verifier.verify(document, at=at, expect=request.expectations())
