"""CreateKey, DescribeKey, ListKeys, CreateAlias, ListAliases, GetKeyPolicy, PutKeyPolicy."""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

from core.errors import PolicyError
from core.kms.context import request_context
from core.kms.local.credentials import ACCOUNT_ID
from core.kms.local.errors import KmsError, validation
from core.kms.local.keys import alias_arn, default_policy, key_arn, resolve
from core.kms.local.service import Service, string
from core.kms.local.store import KeyRecord
from core.kms.policy import evaluate
from core.kms.policy_model import parse_policy

ALIAS_NAME = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")
MAX_POLICY = 32768


def _metadata(service: Service, record: KeyRecord) -> dict[str, Any]:
    return {
        "AWSAccountId": ACCOUNT_ID,
        "KeyId": record.key_id,
        "Arn": service.arn(record),
        "CreationDate": record.created,
        "Enabled": True,
        "Description": record.description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }


def _checked_policy(text: Any, principal: str, bypass: Any, resource: str) -> str:
    """Validate a policy and refuse one that would lock the caller out (KMS's safety check)."""
    if not isinstance(text, str) or not 1 <= len(text) <= MAX_POLICY:
        raise validation("Policy must be a string of 1 to 32768 characters")
    try:
        policy = parse_policy(text)
    except PolicyError as error:
        raise KmsError("MalformedPolicyDocumentException", f"{error.where}: {error.what}") from None
    if bypass is not True:
        context = request_context(principal=principal, action="kms:PutKeyPolicy", resource=resource)
        if not evaluate(policy, context).allowed:
            raise KmsError(
                "MalformedPolicyDocumentException",
                "The new key policy will not allow you to update the key policy in the future.",
            )
    return text


def create_key(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    spec = body.get("KeySpec", body.get("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT"))
    usage = body.get("KeyUsage", "ENCRYPT_DECRYPT")
    if spec != "SYMMETRIC_DEFAULT" or usage != "ENCRYPT_DECRYPT":
        raise KmsError(
            "UnsupportedOperationException",
            f"the nitrodeck local KMS only makes SYMMETRIC_DEFAULT ENCRYPT_DECRYPT keys, "
            f"not {spec}/{usage}",
        )
    description = string(body, "Description", "") or ""
    key_id = str(uuid.uuid4())
    policy = body.get("Policy")
    if policy is None:
        policy = default_policy()
    else:
        bypass = body.get("BypassPolicyLockoutSafetyCheck")
        policy = _checked_policy(policy, principal, bypass, key_arn(service.region, key_id))
    record = service.store.create_key(key_id, description, policy, os.urandom(32))
    return {"KeyMetadata": _metadata(service, record)}


def describe_key(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"))
    service.authorize(record, "kms:DescribeKey", principal)
    return {"KeyMetadata": _metadata(service, record)}


def _page(body: dict[str, Any], items: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    limit = body.get("Limit", 100)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise validation("Limit must be between 1 and 1000")
    marker = body.get("Marker") or "0"
    if not isinstance(marker, str) or not marker.isdigit():
        raise validation(f"Invalid marker {marker!r}")
    start = int(marker)
    page = items[start : start + limit]
    more = start + limit < len(items)
    extra: dict[str, Any] = {"Truncated": more}
    if more:
        extra["NextMarker"] = str(start + limit)
    return page, extra


def list_keys(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    page, extra = _page(body, service.store.keys())
    keys = [{"KeyId": r.key_id, "KeyArn": service.arn(r)} for r in page]
    return {"Keys": keys, **extra}


def create_alias(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    name = string(body, "AliasName")
    if name is None or not ALIAS_NAME.match(name):
        raise validation(
            f'Alias must start with the prefix "alias/" and use [a-zA-Z0-9/_-]: {name}'
        )
    if name.startswith("alias/aws/"):
        raise validation(f"{name}: alias names starting with alias/aws/ are reserved for AWS")
    record = resolve(service.store, service.region, body.get("TargetKeyId"))
    service.authorize(record, "kms:CreateAlias", principal)
    if not service.store.add_alias(name, record.key_id):
        raise KmsError(
            "AlreadyExistsException",
            f"An alias with the name {alias_arn(service.region, name)} already exists",
        )
    return {}


def list_aliases(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    aliases = service.store.aliases()
    if body.get("KeyId") is not None:
        key_id = resolve(service.store, service.region, body["KeyId"]).key_id
        aliases = [a for a in aliases if a.key_id == key_id]
    page, extra = _page(body, aliases)
    out = [
        {
            "AliasName": a.name,
            "AliasArn": alias_arn(service.region, a.name),
            "TargetKeyId": a.key_id,
            "CreationDate": a.created,
            "LastUpdatedDate": a.updated,
        }
        for a in page
    ]
    return {"Aliases": out, **extra}


def _policy_name(body: dict[str, Any]) -> None:
    name = body.get("PolicyName", "default")
    if name != "default":
        raise KmsError(
            "NotFoundException", f"Policy {name} does not exist; KMS keys have only 'default'"
        )


def get_key_policy(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"))
    _policy_name(body)
    service.authorize(record, "kms:GetKeyPolicy", principal)
    return {"Policy": record.policy, "PolicyName": "default"}


def put_key_policy(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"))
    _policy_name(body)
    service.authorize(record, "kms:PutKeyPolicy", principal)
    bypass = body.get("BypassPolicyLockoutSafetyCheck")
    text = _checked_policy(body.get("Policy"), principal, bypass, service.arn(record))
    service.store.set_policy(record.key_id, text)
    return {}
