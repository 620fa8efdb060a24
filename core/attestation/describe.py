"""A decoded document as plain data (for `attestation show`, its JSON, and the app's detail view).

No verification happens here: a document that fails every check can still be shown, which is
often how an operator finds out why it fails.
"""

from __future__ import annotations

from typing import Any

from core.attestation.certs import CertCache, CertInfo, iso
from core.attestation.checks import document_time, is_debug_mode
from core.attestation.document import AttestationDocument


def _blob(value: bytes | None) -> dict[str, Any] | None:
    return None if value is None else {"length": len(value), "hex": value.hex()}


def _certificate(position: str, info: CertInfo | str) -> dict[str, Any]:
    if isinstance(info, str):
        return {"position": position, "error": info}
    return {
        "position": position,
        "subject": info.subject,
        "issuer": info.issuer,
        "serial": format(info.serial, "x"),
        "not_before": iso(info.not_before),
        "not_after": iso(info.not_after),
        "sha256": info.fingerprint,
    }


def describe_document(doc: AttestationDocument, certs: CertCache | None = None) -> dict[str, Any]:
    """Every field of `doc` as JSON-ready data; the chain is listed leaf first, root last."""
    certs = certs or CertCache()
    stamp = document_time(doc)
    chain = [_certificate("certificate (leaf)", certs.get(doc.certificate))]
    for index in range(len(doc.cabundle) - 1, -1, -1):
        chain.append(_certificate(f"cabundle[{index}]", certs.get(doc.cabundle[index])))
    return {
        "module_id": doc.module_id,
        "timestamp_ms": doc.timestamp_ms,
        "timestamp": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if stamp
        else None,
        "digest": doc.digest,
        "debug_mode": is_debug_mode(doc),
        "pcrs": {str(index): value.hex() for index, value in sorted(doc.pcrs.items())},
        "nonzero_pcrs": [index for index, value in sorted(doc.pcrs.items()) if any(value)],
        "certificates": chain,
        "public_key": _blob(doc.public_key),
        "user_data": _blob(doc.user_data),
        "nonce": _blob(doc.nonce),
        "cose": {
            "tagged": doc.tagged,
            "algorithm": doc.algorithm,
            "payload_map": "indefinite" if doc.indefinite_payload else "definite",
            "payload_length": len(doc.payload),
            "signature_length": len(doc.signature),
        },
    }
