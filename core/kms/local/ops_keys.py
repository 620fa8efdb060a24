"""CreateKey, DescribeKey, ListKeys, CreateAlias, ListAliases, GetKeyPolicy, PutKeyPolicy."""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

from core.errors import PolicyError
from core.kms.context import request_context
from core.kms.local.asymmetric import (
    KEY_SPECS,
    RSA_ALGORITHMS,
    RSA_KEY_SPECS,
    generate_private_key,
)
from core.kms.local.credentials import ACCOUNT_ID
from core.kms.local.errors import KmsError, validation
from core.kms.local.keys import alias_arn, default_policy, key_arn, resolve
from core.kms.local.paging import page
from core.kms.local.service import Service, string
from core.kms.local.states import ENABLED, PENDING_DELETION, require_not_pending
from core.kms.local.store import KeyRecord
from core.kms.policy import evaluate
from core.kms.policy_model import parse_policy

ALIAS_NAME = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")
MAX_POLICY = 32768
KEY_USAGES = [
    "SIGN_VERIFY",
    "ENCRYPT_DECRYPT",
    "GENERATE_VERIFY_MAC",
    "KEY_AGREEMENT",
    "ENCAPSULATE_DECAPSULATE",
]


def encryption_algorithms(record: KeyRecord) -> list[str]:
    if record.key_spec in RSA_KEY_SPECS:
        return list(RSA_ALGORITHMS)
    return ["SYMMETRIC_DEFAULT"]


def _metadata(service: Service, record: KeyRecord) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "AWSAccountId": ACCOUNT_ID,
        "KeyId": record.key_id,
        "Arn": service.arn(record),
        "CreationDate": record.created,
        "Enabled": record.state == ENABLED,
        "Description": record.description,
        "KeyUsage": record.key_usage,
        "KeyState": record.state,
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "CustomerMasterKeySpec": record.key_spec,
        "KeySpec": record.key_spec,
        "EncryptionAlgorithms": encryption_algorithms(record),
        "MultiRegion": False,
    }
    if record.state == PENDING_DELETION and record.deletion_date is not None:
        meta["DeletionDate"] = record.deletion_date
    return meta


def _enum(value: Any, allowed: list[str], field: str) -> str:
    if value not in allowed:
        raise validation(
            f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
        )
    return str(value)


def _key_spec(body: dict[str, Any]) -> tuple[str, str]:
    """KeySpec and KeyUsage: unknown values are ValidationException, as AWS answers."""
    spec = _enum(
        body.get("KeySpec", body.get("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT")),
        KEY_SPECS,
        "keySpec",
    )
    usage = _enum(body.get("KeyUsage", "ENCRYPT_DECRYPT"), KEY_USAGES, "keyUsage")
    if spec != "SYMMETRIC_DEFAULT" and spec not in RSA_KEY_SPECS:
        raise KmsError(
            "UnsupportedOperationException",
            f"the nitrodeck local KMS makes SYMMETRIC_DEFAULT and RSA_2048/3072/4096 keys, not "
            f"{spec}",
        )
    if usage != "ENCRYPT_DECRYPT":
        raise KmsError(
            "UnsupportedOperationException",
            f"the nitrodeck local KMS makes ENCRYPT_DECRYPT keys only, not {usage}",
        )
    return spec, usage


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
    spec, usage = _key_spec(body)
    description = string(body, "Description", "") or ""
    key_id = str(uuid.uuid4())
    policy = body.get("Policy")
    if policy is None:
        policy = default_policy()
    else:
        bypass = body.get("BypassPolicyLockoutSafetyCheck")
        policy = _checked_policy(policy, principal, bypass, key_arn(service.region, key_id))
    material = os.urandom(32) if spec == "SYMMETRIC_DEFAULT" else generate_private_key(spec)
    record = service.store.create_key(
        key_id, description, policy, material, key_spec=spec, key_usage=usage
    )
    return {"KeyMetadata": _metadata(service, record)}


def describe_key(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"))
    service.authorize(record, "kms:DescribeKey", principal)
    return {"KeyMetadata": _metadata(service, record)}


def list_keys(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    items, extra = page(body, service.store.keys(), "ListKeys")
    keys = [{"KeyId": r.key_id, "KeyArn": service.arn(r)} for r in items]
    return {"Keys": keys, **extra}


def alias_name(body: dict[str, Any]) -> str:
    name = string(body, "AliasName")
    if name is None or not ALIAS_NAME.match(name):
        raise validation(
            f'Alias must start with the prefix "alias/" and use [a-zA-Z0-9/_-]: {name}'
        )
    if name.startswith("alias/aws/"):
        raise validation(f"{name}: alias names starting with alias/aws/ are reserved for AWS")
    return name


def alias_target(service: Service, body: dict[str, Any], principal: str, action: str) -> KeyRecord:
    """The key `TargetKeyId` names (key ID or ARN only), authorized and not pending deletion."""
    record = resolve(service.store, service.region, body.get("TargetKeyId"), aliases=False)
    service.authorize(record, action, principal)
    require_not_pending(service.region, record)
    return record


def create_alias(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    name = alias_name(body)
    record = alias_target(service, body, principal, "kms:CreateAlias")
    if not service.store.add_alias(name, record.key_id):
        raise KmsError(
            "AlreadyExistsException",
            f"An alias with the name {alias_arn(service.region, name)} already exists",
        )
    return {}


def list_aliases(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    aliases = service.store.aliases()
    if body.get("KeyId") is not None:
        key_id = resolve(service.store, service.region, body["KeyId"], aliases=False).key_id
        aliases = [a for a in aliases if a.key_id == key_id]
    items, extra = page(body, aliases, "ListAliases")
    out = [
        {
            "AliasName": a.name,
            "AliasArn": alias_arn(service.region, a.name),
            "TargetKeyId": a.key_id,
            "CreationDate": a.created,
            "LastUpdatedDate": a.updated,
        }
        for a in items
    ]
    return {"Aliases": out, **extra}


def _policy_name(body: dict[str, Any]) -> None:
    name = body.get("PolicyName", "default")
    if name != "default":
        raise KmsError(
            "NotFoundException", f"Policy {name} does not exist; KMS keys have only 'default'"
        )


def get_key_policy(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"), aliases=False)
    _policy_name(body)
    service.authorize(record, "kms:GetKeyPolicy", principal)
    return {"Policy": record.policy, "PolicyName": "default"}


def put_key_policy(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"), aliases=False)
    _policy_name(body)
    service.authorize(record, "kms:PutKeyPolicy", principal)
    bypass = body.get("BypassPolicyLockoutSafetyCheck")
    text = _checked_policy(body.get("Policy"), principal, bypass, service.arn(record))
    service.store.set_policy(record.key_id, text)
    return {}
