"""The request context a key policy is evaluated against: who asks, for what, with which keys.

One builder for the local KMS and for the explainer, so that both feed the policy engine the
same condition keys with the same spelling and value forms (PCRs as lower-case hex).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import NitrodeckError

RECIPIENT_PREFIX = "kms:RecipientAttestation:"
IMAGE_SHA384 = RECIPIENT_PREFIX + "ImageSha384"


@dataclass(frozen=True)
class RequestContext:
    """A request as the policy engine sees it. Condition key names are case-insensitive."""

    principal: str
    action: str
    resource: str
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def value(self, key: str) -> tuple[str, ...] | None:
        """The request's values of condition key `key`, or None when it is absent."""
        wanted = key.lower()
        for name, values in self.keys.items():
            if name.lower() == wanted:
                return values
        return None


def account_of(arn: str) -> str | None:
    """The account id of an ARN (`arn:aws:iam::111122223333:user/x` → `111122223333`)."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and parts[4].isdigit():
        return parts[4]
    return None


def request_context(
    *,
    principal: str,
    action: str,
    resource: str,
    pcrs: Mapping[int, bytes] | None = None,
    encryption_context: Mapping[str, str] | None = None,
    via_service: str | None = None,
    extra: Mapping[str, str] | None = None,
    grant: Mapping[str, Any] | None = None,
) -> RequestContext:
    """Build the context KMS would: caller keys, encryption context, for a `Recipient`
    request with a verified document `kms:RecipientAttestation:ImageSha384` and `PCR<n>`, and
    for a CreateGrant the grant it asks for (`grant_keys`)."""
    keys: dict[str, tuple[str, ...]] = {"aws:PrincipalArn": (principal,)}
    account = account_of(principal)
    if account is None:
        raise NitrodeckError(
            f"the principal {principal!r} is not an IAM ARN",
            where="principal",
            fix="give an ARN such as arn:aws:iam::111122223333:role/enclave-parent",
        )
    keys["kms:CallerAccount"] = (account,)
    keys["aws:PrincipalAccount"] = (account,)
    if via_service:
        keys["kms:ViaService"] = (via_service,)
    if encryption_context:
        for name, value in encryption_context.items():
            keys[f"kms:EncryptionContext:{name}"] = (value,)
        keys["kms:EncryptionContextKeys"] = tuple(encryption_context)
    for name, value in (extra or {}).items():  # an operation's own keys: kms:SigningAlgorithm…
        keys[name] = (value,)
    if pcrs is not None:
        for index, digest in sorted(pcrs.items()):
            keys[f"{RECIPIENT_PREFIX}PCR{index}"] = (digest.hex(),)
        if 0 in pcrs:
            keys[IMAGE_SHA384] = (pcrs[0].hex(),)
    if grant is not None:
        keys.update(grant_keys(grant))
    return RequestContext(principal=principal, action=action, resource=resource, keys=keys)


def grant_keys(grant: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """CreateGrant's condition keys for the grant asked for (CreateGrant's request fields).

    Without them a policy that limits CreateGrant with `ForAllValues:StringEquals` on
    `kms:GrantOperations` would hold for every grant, Decrypt included.
    """
    keys = {"kms:GrantOperations": tuple(grant.get("Operations") or ())}
    for field_name, key in (
        ("GranteePrincipal", "kms:GranteePrincipal"),
        ("RetiringPrincipal", "kms:RetiringPrincipal"),
    ):
        if grant.get(field_name):
            keys[key] = (str(grant[field_name]),)
    constraint_types = tuple(grant.get("Constraints") or ())
    if constraint_types:
        keys["kms:GrantConstraintType"] = constraint_types
    return keys
