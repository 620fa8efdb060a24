"""KMS grants as data: which grant allows a call, for the local KMS, the explainer and the audit.

A grant allows a call when its grantee is the caller, its operations include the call's
operation (`kms:Decrypt` is grant operation `Decrypt`), and its constraints hold for the request's
encryption context (`EncryptionContextEquals`: exactly; `EncryptionContextSubset`: each pair
present). Constraints do not apply to DescribeKey and RetireGrant (they take no context). A
grant's `CreateGrant` is limited (AWS, "Granting CreateGrant permission"): the grant it creates
(the child) may allow only operations of this grant, with constraints at least as strict; the
child's own request carries no encryption context, so the constraints are compared, not matched.
The key policy's explicit Deny still wins over a grant (the caller checks that first).
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


# Operations whose constraints are not checked: they take no encryption context.
CONTEXT_FREE = frozenset({"DescribeKey", "RetireGrant"})
EQUALS, SUBSET = "EncryptionContextEquals", "EncryptionContextSubset"


def operation_of(action: str) -> str:
    return action.removeprefix("kms:")


def _pairs(context: Mapping[str, str] | None) -> set[tuple[str, str]]:
    return set((context or {}).items())


def at_least_as_strict(child: Mapping[str, Any] | None, parent: Mapping[str, Any] | None) -> bool:
    """Every encryption context `child`'s constraints admit, `parent`'s admit too.

    A child may add pairs to an `EncryptionContextSubset` or turn it into an
    `EncryptionContextEquals` holding those pairs; an `EncryptionContextEquals` stays the same.
    """
    child, parent = child or {}, parent or {}
    child_equals, child_subset = child.get(EQUALS), child.get(SUBSET)
    if parent.get(EQUALS) is not None:
        return child_equals is not None and dict(child_equals) == dict(parent[EQUALS])
    need = _pairs(parent.get(SUBSET))
    if not need:
        return True
    return (child_equals is not None and need <= _pairs(child_equals)) or (
        child_subset is not None and need <= _pairs(child_subset)
    )


def child_fits(parent: Mapping[str, Any], child: Mapping[str, Any]) -> bool:
    """Whether `parent`'s CreateGrant may make `child` (CreateGrant's Operations, Constraints)."""
    allowed = set(parent.get("Operations") or ())
    return set(child.get("Operations") or ()) <= allowed and at_least_as_strict(
        child.get("Constraints"), parent.get("Constraints")
    )


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
    child: Mapping[str, Any] | None = None,
) -> bool:
    """`child`: for CreateGrant, the grant asked for (None: whether some child may be made)."""
    grantee = str(grant.get("GranteePrincipal") or "")
    operation = operation_of(action)
    if not grantee or not principal_matches(grantee, principal):
        return False
    if operation not in (grant.get("Operations") or ()):
        return False
    if operation == "CreateGrant":
        return child is None or child_fits(grant, child)
    return operation in CONTEXT_FREE or constraints_hold(grant, context)


def allowing_grant(
    grants: Iterable[Mapping[str, Any]],
    principal: str,
    action: str,
    context: Mapping[str, str] | None,
    child: Mapping[str, Any] | None = None,
) -> Mapping[str, Any] | None:
    """The first grant that allows the call, if any."""
    return next((g for g in grants if grant_allows(g, principal, action, context, child)), None)


def child_refusal(
    grants: Iterable[Mapping[str, Any]], principal: str, child: Mapping[str, Any]
) -> str | None:
    """Why the caller's grant-given CreateGrant cannot make `child` (None: it has none)."""
    parents = [g for g in grants if grant_allows(g, principal, "kms:CreateGrant", None)]
    if not parents:
        return None
    parent = parents[0]
    asked = ", ".join(child.get("Operations") or ())
    return (
        f"its CreateGrant comes from {describe_grant(parent)} (constraints "
        f"{dict(parent.get('Constraints') or {})}), and a grant-given CreateGrant may only create "
        f"grants for the same or fewer operations with constraints at least as strict; asked "
        f"for {asked} with constraints {dict(child.get('Constraints') or {})}"
    )


def describe_grant(grant: Mapping[str, Any]) -> str:
    name = f" ({grant['Name']})" if grant.get("Name") else ""
    ops = ", ".join(grant.get("Operations") or ())
    grant_id = str(grant.get("GrantId", "?"))[:12]
    return f"grant {grant_id}…{name} to {grant.get('GranteePrincipal')}: {ops}"
