"""Attest one freshly started enclave: its PCRs must equal the image's, under the right root.

The nonce is fresh per enclave, so a replayed document from another run cannot pass. The
root is AWS's on a real parent; on a simulator it is that simulator's own root, which a remote
simulator hands over (it lives in the remote home, and it only ever vouches for simulations).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from core.agent.client import DEFAULT_PORT, connect_agent
from core.attestation import Expectations, TrustAnchor, Verifier, aws_root_anchor
from core.checks import Check
from core.errors import NitrodeckError
from core.platform.base import Platform

AGENT_WAIT = 20.0


def trust_anchor(platform: Platform) -> TrustAnchor:
    """The root a document from `platform`'s enclaves must chain to."""
    if platform.default_trust == "aws":
        return aws_root_anchor()
    from core.attestation.trust import anchor_from_pem_bytes
    from core.remote.platform import RemotePlatform

    if isinstance(platform, RemotePlatform):
        return anchor_from_pem_bytes(platform.sim_root_pem(), f"simulator root of {platform.label}")
    # Fleet members are hosts and homes, always opened over the protocol (`open_target`).
    raise NitrodeckError(
        f"{platform.name} is not a fleet member's platform",
        fix="name members as ssh:// hosts or simulator homes (nitrodeck fleet add)",
    )


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
