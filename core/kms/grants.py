"""KMS grants as data: which grant allows a call, for the local KMS and for the explainer.

A grant allows a call when its grantee is the caller, its operations include the call's
operation (`kms:Decrypt` is grant operation `Decrypt`), and its constraints hold for the request's
encryption context (`EncryptionContextEquals`: exactly; `EncryptionContextSubset`: each pair
present). The key policy's explicit Deny still wins over a grant (the caller checks that first).
Grants are the dicts ListGrants returns, so the explainer can read AWS's answers too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.kms.policy import principal_matches

GRANT_OPERATIONS = [
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
    "Sign",
    "Verify",
    "GetPublicKey",
    "CreateGrant",
    "RetireGrant",
    "DescribeKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateMac",
    "VerifyMac",
    "DeriveSharedSecret",
    "Encapsulate",
    "Decapsulate",
]


def operation_of(action: str) -> str:
    return action.removeprefix("kms:")


def constraints_hold(grant: Mapping[str, Any], context: Mapping[str, str] | None) -> bool:
    constraints = grant.get("Constraints") or {}
    context = dict(context or {})
    equals = constraints.get("EncryptionContextEquals")
    if equals is not None and dict(equals) != context:
        return False
    subset = constraints.get("EncryptionContextSubset")
    return subset is None or all(context.get(k) == v for k, v in subset.items())


def grant_allows(
    grant: Mapping[str, Any],
    principal: str,
    action: str,
    context: Mapping[str, str] | None,
) -> bool:
    grantee = str(grant.get("GranteePrincipal") or "")
    return (
        bool(grantee)
        and principal_matches(grantee, principal)
        and operation_of(action) in (grant.get("Operations") or ())
        and constraints_hold(grant, context)
    )


def allowing_grant(
    grants: Iterable[Mapping[str, Any]],
    principal: str,
    action: str,
    context: Mapping[str, str] | None,
) -> Mapping[str, Any] | None:
    """The first grant that allows the call, if any."""
    return next((g for g in grants if grant_allows(g, principal, action, context)), None)


def describe_grant(grant: Mapping[str, Any]) -> str:
    name = f" ({grant['Name']})" if grant.get("Name") else ""
    ops = ", ".join(grant.get("Operations") or ())
    grant_id = str(grant.get("GrantId", "?"))[:12]
    return f"grant {grant_id}…{name} to {grant.get('GranteePrincipal')}: {ops}"
