"""Attest one freshly started enclave: its PCRs must equal the image's, under the right root.

The nonce is fresh per enclave, so a replayed document from another run cannot pass. The root
is the operator's choice, asked of the platform (`Platform.trust_anchor`, rule in
`core.platform.trust`): a remote host never picks the root that verifies it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from core.agent.client import DEFAULT_PORT, connect_agent
from core.attestation import Expectations, TrustAnchor, Verifier
from core.checks import Check
from core.platform.base import Platform

AGENT_WAIT = 20.0


def attest_enclave(
    platform: Platform,
    enclave_id: str,
    pcrs: dict[int, bytes],
    *,
    anchor: TrustAnchor,
    port: int = DEFAULT_PORT,
) -> list[Check]:
    """The failed checks of the enclave's fresh document (empty when it verified)."""
    nonce = os.urandom(32)
    with connect_agent(platform, enclave_id, port, wait=AGENT_WAIT) as agent:
        document = agent.attest(nonce=nonce)
    report = Verifier([anchor]).verify(
        document, at=datetime.now(UTC), expect=Expectations(pcrs=pcrs, nonce=nonce)
    )
    return report.failures
