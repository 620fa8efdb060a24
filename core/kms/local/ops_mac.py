"""GenerateMac and VerifyMac with GENERATE_VERIFY_MAC (HMAC) keys.

The MAC algorithm must be the key's own (HMAC_256 keys take HMAC_SHA_256), else
InvalidKeyUsageException; a MAC that does not verify is KMSInvalidMacException, compared in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from core.kms.local.errors import KmsError
from core.kms.local.service import Service, b64, blob, dry_run
from core.kms.local.specs import MAC, message_request
from core.kms.local.states import require_usable


def _mac(service: Service, body: dict[str, Any], principal: str, action: str) -> tuple[str, bytes]:
    """The key ARN and the HMAC of `Message`, after every check."""
    record, algorithm, message = message_request(
        service, body, MAC, "MacAlgorithm", action.removeprefix("kms:")
    )
    conditions = {"kms:MacAlgorithm": algorithm}
    service.authorize(record, action, principal, body=body, conditions=conditions)
    require_usable(service.region, record)
    dry_run(body)
    digest = getattr(hashlib, "sha" + algorithm.rsplit("_", 1)[1])
    tag = hmac.new(service.store.material(record.key_id), message, digest).digest()
    return service.arn(record), tag


def generate_mac(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    arn, tag = _mac(service, body, principal, "kms:GenerateMac")
    return {"KeyId": arn, "Mac": b64(tag), "MacAlgorithm": body["MacAlgorithm"]}


def verify_mac(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    given = blob(body, "Mac", required=True)
    arn, tag = _mac(service, body, principal, "kms:VerifyMac")
    if not hmac.compare_digest(tag, given):
        raise KmsError("KMSInvalidMacException", "")
    return {"KeyId": arn, "MacValid": True, "MacAlgorithm": body["MacAlgorithm"]}
