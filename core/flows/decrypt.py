"""Decrypt with KMS inside an enclave: the enclave's agent makes a key and a document, KMS
answers `CiphertextForRecipient`, the agent decrypts inside; only the length and a proof that
reveals nothing guessable come out. A denial is explained condition by condition.

`nitrodeck kms decrypt` and the KMS view's decrypt step-through both drive it: they choose the
KMS client (and who it signs as) and render the steps; the steps are `core.kms.client`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.agent.client import AGENT_WAIT, DEFAULT_PORT, connect_agent
from core.kms.client import FlowResult, recipient_decrypt
from core.platform.base import Platform
from core.steps import Progress


@dataclass(frozen=True)
class DecryptRequest:
    """What to decrypt where: the enclave (name or id, running the agent) and the ciphertext;
    `proof_key` makes the proof of arrival an HMAC the operator can check."""

    enclave: str
    ciphertext: bytes
    key_id: str | None = None
    encryption_context: Mapping[str, str] | None = None
    proof_key: bytes | None = None
    agent_port: int = DEFAULT_PORT


def decrypt_in_enclave(
    platform: Platform,
    kms: Any,
    principal: Callable[[], str],
    request: DecryptRequest,
    progress: Progress | None = None,
) -> FlowResult:
    """The whole step-through with `kms` (a boto3 client signed as `principal()`, asked only to
    explain a denial); never raises for a KMS denial (`FlowResult.explanation` says why)."""
    with connect_agent(platform, request.enclave, request.agent_port, wait=AGENT_WAIT) as agent:
        return recipient_decrypt(
            agent,
            kms,
            request.ciphertext,
            principal=principal,
            key_id=request.key_id,
            encryption_context=request.encryption_context,
            on_step=progress,
            proof_key=request.proof_key,
        )
