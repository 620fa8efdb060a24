"""What the attestation form asks for, checked and turned into core calls (no widgets here).

The form's text fields become an `AttestRequest`; `fetch_document` gets the document (from the
enclave's agent, or a file) and `verify_request` runs `core.attestation`'s checks on it. Every
bad field is a `UsageError` naming the field and how to fix it, shown in the form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.agent.client import connect_agent
from core.attestation import Expectations, TrustAnchor, VerificationReport, Verifier
from core.attestation.expectations import file_expectations
from core.attestation.inputs import parse_hex, parse_time, read_document
from core.attestation.trust import aws_root_anchor, trust_anchors
from core.errors import UsageError
from core.platform.base import Platform

AGENT_WAIT = 10.0
DOCUMENT_SUFFIXES = (".cose", ".cbor", ".bin", ".b64", ".hex", ".txt", ".doc")


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
    """The operator's roots (`core.platform.trust`'s choices); empty means the platform's own
    root (when this machine holds it), then AWS's."""
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
) -> AttestRequest:
    """The form as a request. The nonce on screen is always the one checked (clear the field to
    skip the check); a source that looks like a path must be an existing file."""
    source = source.strip()
    if not source:
        raise UsageError(
            "choose an enclave or a document file", where="source", fix="type a name or a path"
        )
    path = Path(source).expanduser()
    from_file = path.is_file()
    if not from_file and looks_like_path(source):
        problem = "is a directory" if path.is_dir() else "no such file"
        raise UsageError(
            f"{problem}: {source}",
            where="source",
            fix="give an attestation document file (raw, base64 or hex), or a running "
            "enclave's name or id",
        )
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


def looks_like_path(source: str) -> bool:
    """A source with a directory part or a document's extension names a file, not an enclave
    (nitro-cli's enclave names hold neither `/` nor these suffixes in practice)."""
    return "/" in source or source.startswith(("~", ".")) or source.endswith(DOCUMENT_SUFFIXES)


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


def request_anchors(platform: Platform | None, names: Sequence[str]) -> list[TrustAnchor]:
    """The roots the form names, each asked of the platform (which refuses to take a remote
    host's root on its word); an empty field means its own root, then AWS's."""
    if platform is None:
        return trust_anchors(names)
    if names:
        return [platform.trust_anchor(name) for name in names]
    own, aws = platform.trust_anchor(), aws_root_anchor()
    return [own] if own.fingerprint == aws.fingerprint else [own, aws]


def verify_request(
    document: bytes, request: AttestRequest, now: datetime, platform: Platform | None = None
) -> VerificationReport:
    """Every check of `core.attestation` on `document`, at the request's time or `now` (UTC),
    under the roots `request_anchors` gives."""
    at = request.at or (now if now.tzinfo else now.replace(tzinfo=UTC))
    verifier = Verifier(request_anchors(platform, request.trust))
    return verifier.verify(document, at=at, expect=request.expectations())
