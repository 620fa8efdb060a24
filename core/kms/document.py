"""PCRs out of an attestation document, for explaining a policy against it.

Explaining needs the measurements, not trust (the local KMS verifies; the explainer reads), so
this parses with the project's attestation parser without checking signatures.
"""

from __future__ import annotations

from core.attestation import decode_document_input, parse_document


def document_pcrs(data: bytes) -> dict[int, bytes]:
    """The PCRs (index → digest) of a document given raw, base64 or hex."""
    return dict(parse_document(decode_document_input(data)).pcrs)
