"""Key identities of the local KMS: ARNs, the default key policy, and KeyId resolution.

Cryptographic operations and DescribeKey accept a key id, a key ARN, an alias name or an alias
ARN; management operations (key policy, tags, states, grants, alias targets) only a key id or key
ARN, per AWS's API model (`aliases=False`). One resolver gives every operation the same answers
and the same NotFoundException texts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from core.kms.local.credentials import ACCOUNT_ID
from core.kms.local.errors import not_found, validation
from core.kms.local.store import KeyRecord, KmsStore

KEY_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def key_arn(region: str, key_id: str) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{key_id}"


def alias_arn(region: str, name: str) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT_ID}:{name}"


def default_policy() -> str:
    """AWS's default key policy: the account root may do everything (delegating to IAM)."""
    policy = {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT_ID}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    return json.dumps(policy, indent=2)


def resolve(store: KmsStore, region: str, key_ref: Any, *, aliases: bool = True) -> KeyRecord:
    """The key `key_ref` names (id, key ARN, alias name or alias ARN), else NotFoundException."""
    if not isinstance(key_ref, str) or not key_ref:
        raise validation(
            "1 validation error detected: Value at 'keyId' failed to satisfy "
            "constraint: Member must have length greater than or equal to 1"
        )
    ref = key_ref
    if ref.startswith("arn:"):
        parts = ref.split(":", 5)
        if len(parts) != 6 or parts[2] != "kms":
            raise not_found(f"Invalid arn {ref}")
        if parts[3] != region:  # a key belongs to one region, as in AWS
            raise not_found(f"Invalid arn {parts[3]}")
        ref = parts[5]
        if ref.startswith("key/"):
            ref = ref[len("key/") :]
    if ref.startswith("alias/") and not aliases:
        raise not_found(f"Invalid keyId {key_ref}")
    if ref.startswith("alias/"):
        alias = store.alias(region, ref)
        if alias is None:
            raise not_found(f"Alias {alias_arn(region, ref)} is not found.")
        ref = alias.key_id
    if not KEY_ID.match(ref):
        raise not_found(f"Invalid keyId '{key_ref}'")
    record = store.key(ref)
    if record is None or record.region != region:
        raise not_found(f"Key '{key_arn(region, ref)}' does not exist")
    return record
