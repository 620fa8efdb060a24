"""Parse and verify Nitro Enclaves attestation documents, explaining every failed check.

See `verifier.Verifier` for the entry point; the format and rules are in `docs/attestation.md`.
"""

from __future__ import annotations

from core.attestation.checks import is_debug_mode
from core.attestation.describe import describe_document
from core.attestation.document import AttestationDocument, parse_document
from core.attestation.errors import AttestationError
from core.attestation.expectations import (
    Expectations,
    eif_expectations,
    policy_expectations,
)
from core.attestation.inputs import decode_document_input
from core.attestation.report import VerificationReport
from core.attestation.trust import (
    AWS_ROOT_SHA256,
    TrustAnchor,
    anchor_from_pem,
    aws_root_anchor,
    sim_root_anchor,
)
from core.attestation.verifier import Verifier, verify
from core.checks import Check, CheckStatus
from core.errors import PolicyError

__all__ = [
    "AWS_ROOT_SHA256",
    "AttestationDocument",
    "AttestationError",
    "Check",
    "CheckStatus",
    "Expectations",
    "PolicyError",
    "TrustAnchor",
    "VerificationReport",
    "Verifier",
    "anchor_from_pem",
    "aws_root_anchor",
    "decode_document_input",
    "describe_document",
    "eif_expectations",
    "is_debug_mode",
    "parse_document",
    "policy_expectations",
    "sim_root_anchor",
    "verify",
]
