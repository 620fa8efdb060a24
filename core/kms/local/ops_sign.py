"""Sign and Verify with SIGN_VERIFY keys (RSA and ECC), as `kms:Sign` / `kms:Verify`.

A key of another usage is InvalidKeyUsageException; an algorithm the key does not offer is
InvalidKeyUsageException too; a signature that does not verify is KMSInvalidSignatureException,
never `SignatureValid: false`, as AWS answers.
"""

from __future__ import annotations

from typing import Any

from core.kms.local import signing
from core.kms.local.errors import KmsError
from core.kms.local.service import Service, b64, blob, dry_run
from core.kms.local.specs import SIGN, message_request
from core.kms.local.states import require_usable
from core.kms.local.store import KeyRecord


def _request(
    service: Service, body: dict[str, Any], principal: str, action: str
) -> tuple[KeyRecord, str, bytes]:
    """The key, algorithm and digest of a Sign or Verify request, checked and authorized."""
    record, algorithm, message = message_request(
        service, body, SIGN, "SigningAlgorithm", action.removeprefix("kms:")
    )
    message_type = str(body.get("MessageType", "RAW"))
    digest = signing.digest_of(message, message_type, algorithm)
    conditions = {"kms:SigningAlgorithm": algorithm, "kms:MessageType": message_type}
    service.authorize(record, action, principal, body=body, conditions=conditions)
    require_usable(service.region, record)
    dry_run(body)
    return record, algorithm, digest


def sign(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record, algorithm, digest = _request(service, body, principal, "kms:Sign")
    signature = signing.sign(service.store.material(record.key_id), algorithm, digest)
    return {
        "KeyId": service.arn(record),
        "Signature": b64(signature),
        "SigningAlgorithm": algorithm,
    }


def verify(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    signature = blob(body, "Signature", required=True)
    record, algorithm, digest = _request(service, body, principal, "kms:Verify")
    if not signing.verify(service.store.material(record.key_id), algorithm, digest, signature):
        raise KmsError("KMSInvalidSignatureException", "")
    return {"KeyId": service.arn(record), "SignatureValid": True, "SigningAlgorithm": algorithm}
