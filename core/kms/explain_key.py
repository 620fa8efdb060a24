"""What the key policy alone cannot tell: the key's state and its grants.

A Disabled key, or one pending deletion, refuses every cryptographic operation whatever the
policy says (DisabledException / KMSInvalidStateException); a grant can allow a call the policy
does not (unless the policy explicitly denies it). These findings join the explainer's, from
DescribeKey's `KeyState` and ListGrants' entries, so they work the same for AWS KMS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.kms.grants import describe_grant, grant_allows, operation_of

CRYPTOGRAPHIC = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncryptFrom",
        "ReEncryptTo",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GetPublicKey",
        "CreateGrant",
    }
)


@dataclass(frozen=True)
class KeyFacts:
    """DescribeKey's state and ListGrants' grants for the key being explained."""

    key_id: str
    state: str = "Enabled"
    deletion_date: datetime | None = None
    grants: tuple[Mapping[str, Any], ...] = ()
    grants_read: bool = True  # False: ListGrants was refused, so `grants` is not all


def state_cause(facts: KeyFacts, action: str) -> tuple[str, str] | None:
    """(message, fix) when the key's state refuses `action`, else None."""
    if operation_of(action) not in CRYPTOGRAPHIC:
        return None
    if facts.state == "Disabled":
        return (
            f"the key is Disabled: KMS refuses {action} with DisabledException whatever the "
            "policy says",
            f"nitrodeck kms enable-key --key-id {facts.key_id}",
        )
    if facts.state == "PendingDeletion":
        when = f" on {facts.deletion_date:%Y-%m-%d %H:%M %Z}" if facts.deletion_date else ""
        return (
            f"the key is pending deletion{when}: KMS refuses {action} with "
            "KMSInvalidStateException, and after that date the key and everything encrypted "
            "under it are gone",
            f"nitrodeck kms cancel-key-deletion --key-id {facts.key_id}, then "
            f"nitrodeck kms enable-key --key-id {facts.key_id}",
        )
    return None


def grant_notes(
    facts: KeyFacts,
    principal: str,
    action: str,
    encryption_context: Mapping[str, str] | None,
    *,
    policy_allows: bool,
    explicit_deny: bool,
) -> tuple[Mapping[str, Any] | None, list[str]]:
    """The grant that allows the call where the policy does not, and notes about grants."""
    allowing = [g for g in facts.grants if grant_allows(g, principal, action, encryption_context)]
    notes: list[str] = []
    if allowing and explicit_deny:
        notes.append(
            f"{describe_grant(allowing[0])} would allow this call, but the key policy's "
            "explicit Deny wins over grants"
        )
        return None, notes
    if allowing and not policy_allows:
        notes.append(f"{describe_grant(allowing[0])} allows this call: a grant, not the key policy")
        return allowing[0], notes
    near = [
        g
        for g in facts.grants
        if operation_of(action) in (g.get("Operations") or ())
        and grant_allows({**g, "Constraints": None}, principal, action, None)
        and g not in allowing
    ]
    for grant in near[:1]:
        notes.append(
            f"{describe_grant(grant)} covers {operation_of(action)} for this caller, but its "
            f"constraints {dict(grant.get('Constraints') or {})} do not match the request's "
            f"encryption context {dict(encryption_context or {})}"
        )
    return None, notes


def facts_from(kms: Any, key_id: str, grants_kms: Any = None) -> KeyFacts:
    """DescribeKey and ListGrants (through `grants_kms` if given: the key administrator may list
    grants where the caller may not), as far as they may be called (else what is known)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from core.kms.inventory import key_grants

    state, deletion = "Enabled", None
    listed: Sequence[Mapping[str, Any]] | None = None
    try:
        meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        key_id, state, deletion = meta["Arn"], meta["KeyState"], meta.get("DeletionDate")
        listed = key_grants(grants_kms or kms, key_id)  # every page: the audit must see every grant
    except (BotoCoreError, ClientError):
        pass
    return KeyFacts(key_id, state, deletion, tuple(listed or ()), listed is not None)
