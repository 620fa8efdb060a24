"""UpdateAlias, DeleteAlias, UpdateKeyDescription, ListKeyPolicies, TagResource, UntagResource,
ListResourceTags: key housekeeping, each taking only a key ID or key ARN as AWS's model says.
"""

from __future__ import annotations

from typing import Any

from core.kms.local.errors import not_found, validation
from core.kms.local.keys import alias_arn, resolve
from core.kms.local.ops_keys import alias_name, alias_target
from core.kms.local.paging import page
from core.kms.local.service import Service, string
from core.kms.local.states import require_not_pending
from core.kms.local.store import KeyRecord
from core.kms.local.tagging import parse_tags

MAX_DESCRIPTION = 8192


def _key(service: Service, body: dict[str, Any], principal: str, action: str) -> KeyRecord:
    record = resolve(service.store, service.region, body.get("KeyId"), aliases=False)
    service.authorize(record, action, principal)
    return record


def _alias(service: Service, name: str) -> Any:
    alias = service.store.alias(service.region, name)
    if alias is None:
        raise not_found(f"Alias {alias_arn(service.region, name)} is not found.")
    return alias


def _kind(record: KeyRecord) -> tuple[str, str]:
    """What UpdateAlias keeps: the key's type and its usage."""
    spec = record.key_spec
    kind = (
        "symmetric" if spec == "SYMMETRIC_DEFAULT" else "HMAC" if "HMAC" in spec else "asymmetric"
    )
    return kind, record.key_usage


def update_alias(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    """Point an alias at another key; both keys must allow kms:UpdateAlias (AWS checks both)."""
    name = alias_name(body)
    current = resolve(service.store, service.region, _alias(service, name).key_id)
    service.authorize(current, "kms:UpdateAlias", principal)
    record = alias_target(service, body, principal, "kms:UpdateAlias")
    if _kind(current) != _kind(record):
        raise validation(
            f"{name}: the new target key must be of the same type (symmetric, asymmetric or "
            f"HMAC) and key usage as the current one ({' '.join(_kind(current))})"
        )
    service.store.retarget_alias(service.region, name, record.key_id)
    return {}


def delete_alias(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    name = alias_name(body)
    record = resolve(service.store, service.region, _alias(service, name).key_id)
    service.authorize(record, "kms:DeleteAlias", principal)
    service.store.delete_alias(service.region, name)
    return {}


def update_key_description(
    service: Service, body: dict[str, Any], principal: str
) -> dict[str, Any]:
    description = string(body, "Description")
    if description is None or len(description) > MAX_DESCRIPTION:
        raise validation(f"Description is required, at most {MAX_DESCRIPTION} characters")
    record = _key(service, body, principal, "kms:UpdateKeyDescription")
    require_not_pending(service.region, record)
    service.store.set_description(record.key_id, description)
    return {}


def list_key_policies(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    _key(service, body, principal, "kms:ListKeyPolicies")
    names, extra = page(body, ["default"], "ListKeyPolicies")
    return {"PolicyNames": names, **extra}


def tag_resource(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    tags = parse_tags(body)
    record = _key(service, body, principal, "kms:TagResource")
    require_not_pending(service.region, record)
    for key, value in tags:
        service.store.execute(
            "INSERT OR REPLACE INTO tags VALUES (?, ?, ?)", (record.key_id, key, value)
        )
    return {}


def untag_resource(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    keys = body.get("TagKeys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise validation("TagKeys must be a list of strings")
    record = _key(service, body, principal, "kms:UntagResource")
    require_not_pending(service.region, record)
    for key in keys:
        service.store.execute(
            "DELETE FROM tags WHERE key_id = ? AND tag_key = ?", (record.key_id, key)
        )
    return {}


def list_resource_tags(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = _key(service, body, principal, "kms:ListResourceTags")
    rows = service.store.query(
        "SELECT tag_key, tag_value FROM tags WHERE key_id = ? ORDER BY tag_key", (record.key_id,)
    )
    tags, extra = page(body, [{"TagKey": k, "TagValue": v} for k, v in rows], "ListResourceTags")
    return {"Tags": tags, **extra}
