"""DescribeKey, ListKeys, CreateAlias, ListAliases, GetKeyPolicy, PutKeyPolicy."""

from __future__ import annotations

import re
from typing import Any

from core.errors import PolicyError
from core.kms.context import request_context
from core.kms.local.errors import KmsError, validation
from core.kms.local.keys import alias_arn, resolve
from core.kms.local.metadata import key_metadata
from core.kms.local.paging import page
from core.kms.local.service import Service, string
from core.kms.local.states import require_not_pending
from core.kms.local.store import KeyRecord
from core.kms.policy import evaluate
from core.kms.policy_model import parse_policy

ALIAS_NAME = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")
MAX_POLICY = 32768
# AWS managed keys' aliases, which ListAliases shows in every region (without TargetKeyId until
# the service first uses its key); the names under alias/aws/ are AWS's, never a customer's.
PREDEFINED_ALIASES = [
    f"alias/aws/{service}"
    for service in (
        "acm",
        "dynamodb",
        "ebs",
        "elasticfilesystem",
        "es",
        "glue",
        "kinesisvideo",
        "lambda",
        "rds",
        "redshift",
        "s3",
        "secretsmanager",
        "ssm",
        "xray",
    )
]


def checked_policy(text: Any, principal: str, bypass: Any, resource: str) -> str:
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


def describe_key(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"))
    service.authorize(record, "kms:DescribeKey", principal)
    return {"KeyMetadata": key_metadata(service, record)}


def list_keys(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    owners = body.get("ResourceOwners") or ["SELF"]  # nothing is shared through RAM here
    mine = service.store.keys(service.region) if "SELF" in owners else []
    items, extra = page(body, mine, "ListKeys")
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
    if not service.store.add_alias(service.region, name, record.key_id):
        raise KmsError(
            "AlreadyExistsException",
            f"An alias with the name {alias_arn(service.region, name)} already exists",
        )
    return {}


def list_aliases(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    """The region's aliases and AWS's predefined `alias/aws/*` ones (no target until a service
    creates its AWS managed key), by name; with KeyId, only that key's."""
    aliases = service.store.aliases(service.region)
    entries: list[dict[str, Any]]
    if body.get("KeyId") is not None:
        key_id = resolve(service.store, service.region, body["KeyId"], aliases=False).key_id
        aliases = [a for a in aliases if a.key_id == key_id]
        entries = []
    else:
        entries = [{"AliasName": name} for name in PREDEFINED_ALIASES]
    entries += [
        {
            "AliasName": a.name,
            "TargetKeyId": a.key_id,
            "CreationDate": a.created,
            "LastUpdatedDate": a.updated,
        }
        for a in aliases
    ]
    entries.sort(key=lambda entry: str(entry["AliasName"]))
    for entry in entries:
        entry["AliasArn"] = alias_arn(service.region, entry["AliasName"])
    items, extra = page(body, entries, "ListAliases")
    return {"Aliases": items, **extra}


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
    text = checked_policy(body.get("Policy"), principal, bypass, service.arn(record))
    service.store.set_policy(record.key_id, text)
    return {}
