"""Key states and key policies through any boto3 KMS client (local KMS or AWS), for the CLI
and the app alike: EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion, Get/PutKeyPolicy.

Users may name a key by alias; the management calls take only a key ID or ARN (AWS's rule), so
each function first resolves the name with DescribeKey and then calls by the ARN. On the local
KMS they sign as the key administrator (`nitrodeck-admin`, whom demo keys' policies name), not as
the parent's decrypting principal; on AWS as boto3's usual identity (`admin_access`).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import UsageError
from core.home import Home
from core.kms.inventory import endpoint_or_running, kms_errors
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, ADMIN_PROFILE
from core.kms.target import KmsTarget, boto3_client, caller_principal, resolve_target

CHANGES = ("enable", "disable", "schedule-deletion", "cancel-deletion")


def admin_access(target: KmsTarget) -> tuple[Any, Callable[[], str]]:
    """A client for administering keys, and (asked lazily: on AWS it costs an STS call) the
    principal it acts as."""
    if target.local:
        return boto3_client(target, profile=ADMIN_PROFILE), lambda: ADMIN_PRINCIPAL_ARN
    return boto3_client(target), lambda: caller_principal(target)


def admin_for(endpoint_url: str | None, home: Home) -> tuple[Any, Callable[[], str]]:
    """`admin_access` for `--endpoint-url` (default: the running local KMS of `home`)."""
    return admin_access(
        resolve_target(endpoint_or_running(endpoint_url, home), local=False, home=home)
    )


@dataclass(frozen=True)
class KeyState:
    key_id: str
    arn: str
    state: str
    deletion_date: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "KeyId": self.key_id,
            "Arn": self.arn,
            "KeyState": self.state,
            "DeletionDate": self.deletion_date.isoformat() if self.deletion_date else None,
        }


def key_state(kms: Any, key_id: str) -> KeyState:
    with kms_errors(kms):
        meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    return KeyState(meta["KeyId"], meta["Arn"], meta["KeyState"], meta.get("DeletionDate"))


def change_state(kms: Any, key_id: str, change: str, *, days: int | None = None) -> KeyState:
    """Apply one lifecycle change and return the key's state afterwards."""
    if change not in CHANGES:
        raise UsageError(f"unknown key state change {change!r}", fix=f"use one of {CHANGES}")
    if days is not None and not 7 <= days <= 30:
        raise UsageError(
            f"the waiting period must be 7 to 30 days, not {days}",
            where="--pending-window-in-days",
            fix="pass 7 to 30 (AWS's range; 30 when omitted); cancel-key-deletion undoes it",
        )
    arn = key_state(kms, key_id).arn
    with kms_errors(kms):
        if change == "enable":
            kms.enable_key(KeyId=arn)
        elif change == "disable":
            kms.disable_key(KeyId=arn)
        elif change == "cancel-deletion":
            kms.cancel_key_deletion(KeyId=arn)
        else:
            extra = {} if days is None else {"PendingWindowInDays": days}
            kms.schedule_key_deletion(KeyId=arn, **extra)
    return key_state(kms, arn)


def get_policy(kms: Any, key_id: str) -> tuple[str, str]:
    """The key's policy text and ARN."""
    arn = key_state(kms, key_id).arn
    with kms_errors(kms):
        return str(kms.get_key_policy(KeyId=arn, PolicyName="default")["Policy"]), arn


def put_policy(kms: Any, key_id: str, text: str) -> str:
    """Replace the key's policy (KMS refuses one that would lock the caller out); the ARN."""
    arn = key_state(kms, key_id).arn
    with kms_errors(kms):
        kms.put_key_policy(KeyId=arn, PolicyName="default", Policy=text)
    return arn


def revoke_grant(kms: Any, key_id: str, grant_id: str) -> str:
    """RevokeGrant (the key administrator's way to close a grant's path); the key's ARN."""
    arn = key_state(kms, key_id).arn
    with kms_errors(kms, "RevokeGrant", key_id):
        kms.revoke_grant(KeyId=arn, GrantId=grant_id)
    return arn


def policy_diff(old: str, new: str, name: str = "key policy") -> str:
    """A unified diff of two policies, both pretty-printed so that only real changes show."""

    def pretty(text: str) -> list[str]:
        try:
            return json.dumps(json.loads(text), indent=2, sort_keys=False).splitlines()
        except ValueError:
            return text.splitlines()

    lines = difflib.unified_diff(
        pretty(old), pretty(new), f"{name} (now)", f"{name} (new)", lineterm=""
    )
    return "\n".join(lines)
