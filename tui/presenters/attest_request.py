"""What the attestation form asks for, checked and turned into core calls (no widgets here).

The form's text fields become an `AttestRequest`; `fetch_document` gets the document (from the
enclave's agent, or a file) and `verify_request` runs `core.attestation`'s checks on it. Every
bad field is a `UsageError` naming the field and how to fix it, shown in the form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.agent.client import connect_agent
from core.attestation import (
    Expectations,
    TrustAnchor,
    VerificationReport,
    Verifier,
    anchor_from_pem,
    aws_root_anchor,
    decode_document_input,
    eif_expectations,
    policy_expectations,
    sim_root_anchor,
)
from core.errors import UsageError
from core.platform.base import Platform
from tui.cli.attestation import parse_time

AGENT_WAIT = 10.0
EIF_MAGIC = b".eif"


@dataclass(frozen=True)
class AttestRequest:
    """A checked form: where the document comes from and what it must carry."""

    source: str
    from_file: bool
    nonce: bytes | None = None
    user_data: bytes | None = None
    expected_pcrs: dict[int, bytes] = field(default_factory=dict)
    expect_source: str = ""
    trust: tuple[str, ...] = ("sim", "aws")
    at: datetime | None = None

    def expectations(self) -> Expectations:
        return Expectations(pcrs=self.expected_pcrs, nonce=self.nonce, user_data=self.user_data)


def parse_hex(name: str, text: str) -> bytes | None:
    """Empty means none; otherwise hex (an optional 0x) of at most 1024 bytes, as NSM allows."""
    text = text.strip().removeprefix("0x")
    if not text:
        return None
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise UsageError(
            f"{name} {text[:20]!r} is not hex", where=name, fix="e.g. c0ffee"
        ) from None
    if len(value) > 1024:
        raise UsageError(f"{name} is {len(value)} bytes; NSM takes at most 1024", where=name)
    return value


def user_data_bytes(text: str) -> bytes | None:
    """User data: `hex:…` for bytes, anything else is taken as UTF-8 text."""
    if text.startswith("hex:"):
        return parse_hex("user data", text[4:])
    return text.encode() or None


def load_expected_pcrs(path_text: str) -> dict[int, bytes]:
    """Expected PCRs from an EIF (measured) or a KMS key policy JSON (the PCRs it pins)."""
    path = Path(path_text).expanduser()
    try:
        head = path.read_bytes()[:4]
    except OSError as error:
        raise UsageError(
            f"cannot read: {error.strerror}",
            where=f"expected PCRs from {path_text}",
            fix="name an EIF file or a key policy JSON file, or leave the field empty",
        ) from None
    if head == EIF_MAGIC:
        return eif_expectations(path)
    try:
        policy: Any = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise UsageError(
            f"neither an EIF nor a JSON key policy ({error})", where=str(path)
        ) from None
    if not isinstance(policy, dict):
        raise UsageError("a key policy is a JSON object with a Statement list", where=str(path))
    pinned = policy_expectations(policy)
    if not pinned:
        raise UsageError(
            "the policy pins no PCR (no kms:RecipientAttestation equality condition)",
            where=str(path),
        )
    return pinned


def parse_request(
    source: str,
    nonce: str,
    user_data: str,
    expect_from: str = "",
    trust: str = "sim,aws",
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
        expected_pcrs=load_expected_pcrs(expect_from.strip()) if expect_from.strip() else {},
        expect_source=expect_from.strip(),
        trust=names or ("sim", "aws"),
        at=parse_time(at.strip()) if at.strip() else None,
    )


def trust_anchors(names: tuple[str, ...]) -> list[TrustAnchor]:
    """`aws`, `sim` or a PEM path each; a missing simulator root is skipped, not fatal."""
    anchors: list[TrustAnchor] = []
    for name in names:
        if name == "aws":
            anchors.append(aws_root_anchor())
        elif name == "sim":
            try:
                anchors.append(sim_root_anchor())
            except Exception:  # no simulator PKI in this home yet: nothing to trust there
                continue
        else:
            anchors.append(anchor_from_pem(name))
    return anchors


def fetch_document(platform: Platform | None, request: AttestRequest) -> bytes:
    """The raw document: read from the file, or asked of the enclave's agent (blocking)."""
    if request.from_file:
        try:
            return decode_document_input(Path(request.source).read_bytes())
        except OSError as error:
            raise UsageError(f"cannot read: {error.strerror}", where=request.source) from None
    if platform is None:
        raise UsageError("no platform to ask for the enclave", where=request.source)
    with connect_agent(platform, request.source, wait=AGENT_WAIT) as agent:
        return agent.attest(nonce=request.nonce, user_data=request.user_data)


def verify_request(document: bytes, request: AttestRequest, now: datetime) -> VerificationReport:
    """Every check of `core.attestation` on `document`, at the request's time or `now` (UTC)."""
    at = request.at or (now if now.tzinfo else now.replace(tzinfo=UTC))
    verifier = Verifier(trust_anchors(request.trust))
    return verifier.verify(document, at=at, expect=request.expectations())
