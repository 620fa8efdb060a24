"""CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant.

Grants are consistent at once here, so a grant token is only a handle for RetireGrant; the
authorization that honours grants is `Service.authorize` (policy first, then grants).
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from core.kms.grants import GRANT_OPERATIONS
from core.kms.local import grant_store
from core.kms.local.credentials import ACCOUNT_ID
from core.kms.local.errors import KmsError, access_denied, not_found, validation
from core.kms.local.keys import resolve
from core.kms.local.paging import page
from core.kms.local.service import Service, dry_run, encryption_context, grant_tokens, string
from core.kms.local.states import require_usable

CONSTRAINTS = ("EncryptionContextSubset", "EncryptionContextEquals")
_MINTED = ("GrantId", "CreationDate", "Token")
GRANT_NAME = re.compile(r"^[a-zA-Z0-9:/_-]{1,256}$")


def _principal(body: dict[str, Any], name: str, required: bool) -> str | None:
    value = string(body, name)
    if value is None and required:
        raise validation(
            f"1 validation error detected: Value null at '{name[0].lower() + name[1:]}' failed "
            "to satisfy constraint: Member must not be null"
        )
    if value is not None and not 1 <= len(value) <= 256:
        raise validation(f"{name} must be 1 to 256 characters")
    return value


def _operations(body: dict[str, Any]) -> list[str]:
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise validation("Operations must be a non-empty list of grant operations")
    for operation in operations:
        if operation not in GRANT_OPERATIONS:
            raise validation(
                f"1 validation error detected: Value '[{operation}]' at 'operations' failed to "
                "satisfy constraint: Member must satisfy enum value set: "
                f"[{', '.join(GRANT_OPERATIONS)}]"
            )
    return list(dict.fromkeys(operations))


def _constraints(body: dict[str, Any]) -> dict[str, dict[str, str]] | None:
    raw = body.get("Constraints")
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {
        "EncryptionContextSubset",
        "EncryptionContextEquals",
    }:
        raise validation(
            "Constraints takes EncryptionContextSubset and/or EncryptionContextEquals "
            "(SourceArn is for service principals, which the local KMS does not have)"
        )
    return {name: encryption_context({"EncryptionContext": value}) for name, value in raw.items()}


def create_grant(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    for field in ("GranteeServicePrincipal", "RetiringServicePrincipal"):
        if body.get(field) is not None:
            raise KmsError(
                "UnsupportedOperationException",
                f"CreateGrant {field}: service principals are not supported by the nitrodeck "
                "local KMS",
            )
    grantee = _principal(body, "GranteePrincipal", True)
    retiring = _principal(body, "RetiringPrincipal", False)
    operations = _operations(body)
    constraints = _constraints(body)
    name = string(body, "Name")
    if name is not None and not GRANT_NAME.match(name):
        raise validation(f"Name must match [a-zA-Z0-9:/_-]{{1,256}}: {name!r}")
    record = resolve(service.store, service.region, body.get("KeyId"), aliases=False)
    child = {
        "Operations": operations,
        "Constraints": constraints,
        "GranteePrincipal": grantee,
        "RetiringPrincipal": retiring,
    }
    service.authorize(record, "kms:CreateGrant", principal, body=body, child_grant=child)
    require_usable(service.region, record)
    dry_run(body)
    grant: dict[str, Any] = {
        "KeyId": service.arn(record),
        "GranteePrincipal": grantee,
        "IssuingAccount": f"arn:aws:iam::{ACCOUNT_ID}:root",
        "Operations": operations,
    }
    if retiring is not None:
        grant["RetiringPrincipal"] = retiring
    if constraints:
        grant["Constraints"] = constraints
    if name is not None:
        grant["Name"] = name
        for existing in grant_store.for_key(service.store, record.key_id):
            same = {k: v for k, v in existing.items() if k not in _MINTED}
            if same == grant:  # AWS: the same grant under the same name is not made twice
                return {"GrantToken": existing["Token"], "GrantId": existing["GrantId"]}
    grant_id = secrets.token_hex(32)
    grant.update(GrantId=grant_id, CreationDate=time.time(), Token=secrets.token_urlsafe(96))
    grant_store.add(service.store, grant_id, record.key_id, grant)
    return {"GrantToken": grant["Token"], "GrantId": grant_id}


def _public(grant: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in grant.items() if k != "Token"}


def list_grants(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = resolve(service.store, service.region, body.get("KeyId"), aliases=False)
    service.authorize(record, "kms:ListGrants", principal, body=body)
    grants = grant_store.for_key(service.store, record.key_id)
    if body.get("GrantId") is not None:
        grants = [g for g in grants if g["GrantId"] == body["GrantId"]]
    if body.get("GranteePrincipal") is not None:
        grants = [g for g in grants if g["GranteePrincipal"] == body["GranteePrincipal"]]
    if body.get("GranteeServicePrincipal") is not None:
        grants = []  # no grant here has a service principal
    items, extra = page(body, [_public(g) for g in grants], "ListGrants")
    return {"Grants": items, **extra}


def list_retirable_grants(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    """Governed by IAM alone (no key): the local principal may list any retiring principal's."""
    here = f"arn:aws:kms:{service.region}:"
    if body.get("RetiringServicePrincipal") is not None:
        grants: list[dict[str, Any]] = []  # no grant here has a service principal
    else:
        retiring = _principal(body, "RetiringPrincipal", True)
        grants = [
            g
            for g in grant_store.every(service.store)
            if g.get("RetiringPrincipal") == retiring and str(g["KeyId"]).startswith(here)
        ]
    items, extra = page(body, [_public(g) for g in grants], "ListRetirableGrants")
    return {"Grants": items, **extra}


def _find(service: Service, body: dict[str, Any]) -> dict[str, Any]:
    token, grant_id = string(body, "GrantToken"), string(body, "GrantId")
    if token is not None:
        grant_tokens({"GrantTokens": [token]})
        found = [g for g in grant_store.every(service.store) if g.get("Token") == token]
        if not found:
            raise KmsError("InvalidGrantTokenException", "The grant token is not valid.")
        return found[0]
    if grant_id is None or body.get("KeyId") is None:
        raise validation("Specify GrantToken, or both KeyId and GrantId")
    record = resolve(service.store, service.region, body.get("KeyId"), aliases=False)
    for grant in grant_store.for_key(service.store, record.key_id):
        if grant["GrantId"] == grant_id:
            return grant
    raise not_found(f"Grant ID {grant_id} not found")


def retire_grant(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    """The retiring principal, or a grantee whose grant includes RetireGrant, may retire it."""
    grant = _find(service, body)
    may = grant.get("RetiringPrincipal") == principal or (
        grant.get("GranteePrincipal") == principal and "RetireGrant" in grant["Operations"]
    )
    if not may:
        raise access_denied(principal, "kms:RetireGrant", grant["KeyId"], explicit=False)
    dry_run(body)
    grant_store.remove(service.store, grant["GrantId"], str(grant["KeyId"]).rsplit("/", 1)[-1])
    return {}


def revoke_grant(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    grant_id = string(body, "GrantId")
    record = resolve(service.store, service.region, body.get("KeyId"), aliases=False)
    service.authorize(record, "kms:RevokeGrant", principal)
    dry_run(body)
    if grant_id is None or not grant_store.remove(service.store, grant_id, record.key_id):
        raise not_found(f"Grant ID {grant_id} not found")
    return {}
