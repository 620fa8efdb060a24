"""CreateKey: every spec and usage pair AWS allows that this KMS makes, with its tags.

What the local KMS cannot honour (multi-Region keys, imported or external key material, custom
key stores) is refused with UnsupportedOperationException, never accepted and ignored.
"""

from __future__ import annotations

import uuid
from typing import Any

from core.kms.local.errors import KmsError, validation
from core.kms.local.keys import default_policy, key_arn
from core.kms.local.metadata import key_metadata
from core.kms.local.ops_keys import checked_policy
from core.kms.local.service import Service, string
from core.kms.local.specs import SYMMETRIC, key_usage, new_material
from core.kms.local.tagging import parse_tags


def _refuse_unsupported(body: dict[str, Any]) -> None:
    origin = body.get("Origin", "AWS_KMS")
    refused = {
        "MultiRegion": "multi-Region keys" if body.get("MultiRegion") is True else None,
        "Origin": f"keys with Origin {origin}" if origin != "AWS_KMS" else None,
        "CustomKeyStoreId": "custom key stores" if body.get("CustomKeyStoreId") else None,
        "XksKeyId": "external key stores" if body.get("XksKeyId") else None,
    }
    for name, what in refused.items():
        if what:
            raise KmsError(
                "UnsupportedOperationException",
                f"CreateKey {name}: {what} are not supported by the nitrodeck local KMS",
            )


def _key_spec(body: dict[str, Any]) -> tuple[str, str]:
    """KeySpec (or the older CustomerMasterKeySpec) and KeyUsage, paired as AWS pairs them."""
    spec, legacy = body.get("KeySpec"), body.get("CustomerMasterKeySpec")
    if spec is not None and legacy is not None and spec != legacy:
        raise validation("Specify KeySpec or CustomerMasterKeySpec, not both (prefer KeySpec)")
    chosen = str(spec or legacy or SYMMETRIC)
    return chosen, key_usage(chosen, body.get("KeyUsage"))


def create_key(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    _refuse_unsupported(body)
    spec, usage = _key_spec(body)
    tags = parse_tags(body)
    description = string(body, "Description", "") or ""
    key_id = str(uuid.uuid4())
    policy = body.get("Policy")
    if policy is None:
        policy = default_policy()
    else:
        bypass = body.get("BypassPolicyLockoutSafetyCheck")
        policy = checked_policy(policy, principal, bypass, key_arn(service.region, key_id))
    record = service.store.create_key(
        key_id,
        description,
        policy,
        new_material(spec),
        key_spec=spec,
        key_usage=usage,
        region=service.region,
        tags=tags,
    )
    return {"KeyMetadata": key_metadata(service, record)}
