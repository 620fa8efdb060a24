"""PCRs and public key out of an attestation document, for explaining a policy against it.

Uses the project's parser (`core.attestation.parse_document`) when it is present; until then,
a thin adapter reads the COSE_Sign1 payload with cbor2. Explaining needs the measurements, not
trust: the local KMS verifies documents, the explainer only reads them.
"""

from __future__ import annotations

import importlib
from typing import Any

import cbor2

from core.errors import NitrodeckError


def _bad(what: str) -> NitrodeckError:
    return NitrodeckError(
        f"not a Nitro attestation document: {what}",
        where="--attestation",
        fix="pass the raw COSE_Sign1 bytes (e.g. from `nitrodeck attest --out FILE`)",
    )


def _payload(document: bytes) -> dict[Any, Any]:
    try:
        envelope = cbor2.loads(document)
    except (cbor2.CBORDecodeError, ValueError) as error:
        raise _bad(f"CBOR does not decode ({error})") from None
    if isinstance(envelope, cbor2.CBORTag) and envelope.tag == 18:
        envelope = envelope.value
    if not isinstance(envelope, list | tuple) or len(envelope) != 4:
        raise _bad("expected a COSE_Sign1 array of 4")
    try:
        payload = cbor2.loads(envelope[2])
    except (cbor2.CBORDecodeError, ValueError, TypeError) as error:
        raise _bad(f"payload does not decode ({error})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("pcrs"), dict):
        raise _bad("payload has no pcrs map")
    return payload


def document_pcrs(document: bytes) -> dict[int, bytes]:
    """The PCRs of `document` (index → digest), as KMS would read them."""
    try:
        attestation = importlib.import_module("core.attestation")
    except ModuleNotFoundError:
        attestation = None
    if attestation is not None and hasattr(attestation, "parse_document"):
        return dict(attestation.parse_document(document).pcrs)
    pcrs = _payload(document)["pcrs"]
    return {int(k): bytes(v) for k, v in pcrs.items()}
