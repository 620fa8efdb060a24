"""Attest and verify: get an attestation document (an enclave's agent, or a file) and run every
check of `core.attestation` on it, against the trust anchors of the home in use.

The Attest view drives the whole task; `nitrodeck attest` gets a document and `nitrodeck
attestation verify` verifies one, each through the same two steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core.agent.client import AGENT_WAIT, DEFAULT_PORT, connect_agent
from core.attestation import Expectations, TrustAnchor, VerificationReport, Verifier
from core.attestation.inputs import read_document
from core.attestation.trust import aws_root_anchor, trust_anchors
from core.errors import UsageError
from core.home import Home
from core.platform.base import Platform


@dataclass(frozen=True)
class AttestRequest:
    """Where the document comes from (an enclave's name or id, or a file) and what it must
    carry."""

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


def attest_enclave(
    platform: Platform,
    enclave: str,
    *,
    nonce: bytes | None = None,
    user_data: bytes | None = None,
    port: int = DEFAULT_PORT,
) -> bytes:
    """A fresh document from the agent of `enclave` (name or id), binding `nonce` and
    `user_data` (blocking; waits `AGENT_WAIT` s for a booting agent)."""
    with connect_agent(platform, enclave, port, wait=AGENT_WAIT) as agent:
        return agent.attest(nonce=nonce, user_data=user_data)


def fetch_document(platform: Platform | None, request: AttestRequest) -> bytes:
    """The raw document: read from the file, or asked of the enclave's agent (blocking)."""
    if request.from_file:
        return read_document(request.source)
    if platform is None:
        raise UsageError("no platform to ask for the enclave", where=request.source)
    return attest_enclave(
        platform, request.source, nonce=request.nonce, user_data=request.user_data
    )


def request_anchors(
    platform: Platform | None, names: Sequence[str], home: Home
) -> list[TrustAnchor]:
    """The roots `names` chooses, each asked of the platform (which refuses to take a remote
    host's root on its word); none named: its own root, then AWS's. Without a platform (a file
    verified on its own) the names are read on this machine (`sim`: `home`'s simulator)."""
    if platform is None:
        return trust_anchors(names, home=home)
    if names:
        return [platform.trust_anchor(name) for name in names]
    own, aws = platform.trust_anchor(), aws_root_anchor()
    return [own] if own.fingerprint == aws.fingerprint else [own, aws]


def verify_document(
    document: bytes, expect: Expectations, *, anchors: Sequence[TrustAnchor], at: datetime
) -> VerificationReport:
    """Every check on `document` at `at`, chained to one of `anchors`."""
    return Verifier(list(anchors)).verify(document, at=at, expect=expect)


def verify_request(
    document: bytes,
    request: AttestRequest,
    now: datetime,
    platform: Platform | None,
    home: Home,
) -> VerificationReport:
    """`verify_document` for a request: at its time, else `now` (taken as UTC), under the roots
    `request_anchors` gives."""
    at = request.at or (now if now.tzinfo else now.replace(tzinfo=UTC))
    anchors = request_anchors(platform, request.trust, home)
    return verify_document(document, request.expectations(), anchors=anchors, at=at)


@dataclass(frozen=True)
class Attested:
    document: bytes
    report: VerificationReport


def attest_and_verify(
    platform: Platform | None, request: AttestRequest, now: datetime, home: Home
) -> Attested:
    """The whole task: the document (`platform` may be None for a file), then every check."""
    document = fetch_document(platform, request)
    return Attested(document, verify_request(document, request, now, platform, home))
