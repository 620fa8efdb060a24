"""Who can reach a key's plaintext, and by which path: the one verdict behind every "pinned".

A key is pinned to an image only if every way to its plaintext passes an attestation condition.
`audit_key(policy, grants)` lists the ways (`AccessPath`), for `nitrodeck kms keys`, the KMS
view, `nitrodeck kms explain` and the doctor alike:
- a key-policy Allow of a plaintext operation: attested when one of its
  `kms:RecipientAttestation:*` conditions cannot hold without an attestation document and names
  an image (`pins_image`), else open: a condition that any document meets (`Null` false, a
  wildcard, the all-zero PCRs of every debug-mode enclave, or only PCR3/PCR4, the parent's own
  role and instance) is met by an enclave the parent builds and starts itself;
- a grant of a plaintext operation: always open, since a grant cannot carry an attestation
  condition (its encryption-context constraints only narrow which ciphertexts);
- a grant chain: a grant with CreateGrant lets its grantee pass the grant's operations to any
  principal (only those: a grant-given CreateGrant is limited to its grant's operations, so
  a grant of CreateGrant without a plaintext operation reaches none);
- administration: the policy's PutKeyPolicy or CreateGrant without attestation lets a
  principal rewrite the policy or grant anyone anything. That is what an administrator is for;
  it opens the pin when it covers a principal that decrypts under attestation
  (`core.kms.separation`), since then the enclave's own parent can lift the condition.
An explicit Deny that applies to a request without attestation closes a path (the policy engine
decides, as KMS would).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import PolicyError
from core.kms.context import IMAGE_SHA384, RECIPIENT_PREFIX, account_of, request_context
from core.kms.policy import Policy, Statement, evaluate, parse_policy
from core.kms.separation import (
    POLICY_CHANGING_ACTIONS,
    admin_overlaps,
    allows_action,
    requires_attestation,
    statement_label,
    statement_principals,
)

# Operations whose answer carries plaintext of (or made under) the key: Decrypt, re-encryption
# out of it under a key the caller may decrypt, and new data keys or shared secrets.
PLAINTEXT_OPERATIONS = (
    "Decrypt",
    "ReEncryptFrom",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "DeriveSharedSecret",
    "Decapsulate",
)
ANYONE = "arn:aws:iam::000000000000:user/any-principal"  # stands for "*" when asking the engine
# Measurements that name an image or its signer; PCR1 (kernel) is shared by every image built
# with the same tools, PCR3/PCR4 (role, instance) by every enclave of the parent.
IMAGE_KEYS = ("imagesha384", "pcr0", "pcr2", "pcr8")
PINNING_OPERATORS = ("StringEquals", "StringEqualsIgnoreCase", "StringLike")


@dataclass(frozen=True)
class AccessPath:
    """One way a principal reaches (or could open a way to) the key's plaintext."""

    principal: str
    via: str  # "statement" | "grant" | "grant chain" | "administration"
    source: str  # the statement's Sid (or Statement[i]) or the grant
    operations: tuple[str, ...]
    attested: bool
    open: bool  # reaches plaintext without attestation: the pin does not hold
    detail: str
    key: str = "KEY"  # the key's ARN where known (a grant names it), for the fix
    needs_document: bool = False  # open, though only with a document: it names no image

    @property
    def line(self) -> str:
        mark = (
            "attested"
            if self.attested
            else "OPEN"
            if self.open
            else "admin"
            if (self.via == "administration")
            else "closed"
        )
        ops = ", ".join(self.operations)
        return f"{mark:8} {self.principal}: {ops} via {self.via} {self.source}: {self.detail}"

    @property
    def fix(self) -> str | None:
        """How to close an open path (None when it is not open)."""
        if not self.open:
            return None
        if self.via in ("grant", "grant chain"):
            grant_id = self.source.split(" ", 1)[0]
            return (
                f"revoke the grant as the key administrator: nitrodeck kms revoke-grant --key-id "
                f"{self.key} --grant-id {grant_id}"
            )
        if self.via == "administration":
            return (
                "give kms:PutKeyPolicy and kms:CreateGrant only to a principal that does not "
                "decrypt"
            )
        return (
            f"add a condition on {IMAGE_SHA384} to statement {self.source}, or drop "
            f"{', '.join(self.operations)} from it"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "Principal": self.principal,
            "Via": self.via,
            "Source": self.source,
            "Operations": list(self.operations),
            "Attested": self.attested,
            "Open": self.open,
            "Detail": self.detail,
            "Fix": self.fix,
        }


@dataclass(frozen=True)
class KeyAudit:
    paths: tuple[AccessPath, ...]
    grants_read: bool = True  # False: the grants could not be listed, so they are not counted
    problem: str | None = None  # why the policy could not be read

    @property
    def open_paths(self) -> tuple[AccessPath, ...]:
        return tuple(p for p in self.paths if p.open)

    @property
    def attested(self) -> bool:
        """The policy means to pin (a path needs attestation), whether or not it names an image."""
        return any(p.attested or p.needs_document for p in self.paths)

    @property
    def verdict(self) -> str:
        """`pinned`, `OPEN` (pinned, but an open path bypasses it), `NOT pinned`, `pinned?`
        (the grants could not be read) or `unknown` (the policy could not be read)."""
        if self.problem is not None:
            return "unknown"
        if not self.attested:
            return "NOT pinned"
        if self.open_paths:
            return "OPEN"
        return "pinned" if self.grants_read else "pinned?"

    @property
    def summary(self) -> str:
        """One sentence for a status line or the doctor."""
        if self.problem is not None:
            return f"cannot read the key policy: {self.problem}"
        if self.verdict == "NOT pinned":
            return "no path to plaintext needs attestation"
        if self.open_paths:
            count = len(self.open_paths)
            return f"{count} open path{'s' * (count != 1)} to plaintext without attestation: " + (
                "; ".join(f"{p.principal} via {p.via} {p.source}" for p in self.open_paths)
            )
        if not self.grants_read:
            return "the key policy pins attestation; its grants were not read (one may bypass it)"
        return "every path to plaintext needs attestation"

    def to_json(self) -> dict[str, Any]:
        return {
            "Verdict": self.verdict,
            "Summary": self.summary,
            "GrantsRead": self.grants_read,
            "Paths": [p.to_json() for p in self.paths],
        }


def audit_key(
    policy: Policy | str,
    grants: Iterable[Mapping[str, Any]] | None = None,
    *,
    key_arn: str = "*",
) -> KeyAudit:
    """Every path to the key's plaintext; `grants` None: they could not be listed."""
    try:
        parsed = policy if isinstance(policy, Policy) else parse_policy(policy)
    except PolicyError as error:
        return KeyAudit((), grants is not None, error.what)
    paths = _statement_paths(parsed, key_arn) + _admin_paths(parsed, key_arn)
    for grant in grants or ():
        paths += _grant_paths(parsed, grant, key_arn)
    return KeyAudit(tuple(paths), grants is not None)


def _caller(pattern: str) -> str:
    if pattern.isdigit():
        return f"arn:aws:iam::{pattern}:root"
    return pattern if account_of(pattern) else ANYONE


def _not_denied(
    policy: Policy,
    principal: str,
    operations: Sequence[str],
    key_arn: str,
    context: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """The operations no explicit Deny refuses `principal` without attestation."""
    return tuple(
        op
        for op in operations
        if not evaluate(
            policy,
            request_context(
                principal=_caller(principal),
                action=f"kms:{op}",
                resource=key_arn,
                encryption_context=context,
            ),
        ).explicit_deny
    )


def _statement_paths(policy: Policy, key_arn: str) -> list[AccessPath]:
    paths = []
    for index, statement in enumerate(policy.statements):
        if statement.effect != "Allow":
            continue
        ops = tuple(op for op in PLAINTEXT_OPERATIONS if allows_action(statement, f"kms:{op}"))
        needs_document = requires_attestation(statement)
        attested = needs_document and pins_image(statement)
        for principal in statement_principals(statement) if ops else ():
            reach = ops if needs_document else _not_denied(policy, principal, ops, key_arn)
            if not reach:
                continue
            if attested:
                detail = "only with an attestation document that meets the statement's conditions"
            elif needs_document:
                detail = (
                    "needs an attestation document, but its conditions name no image (a "
                    "non-zero ImageSha384, PCR0, PCR2 or PCR8 without wildcards): an enclave the "
                    "parent starts itself, in debug mode too, meets them"
                )
            else:
                detail = (
                    "an Allow without an attestation condition: it lets the parent decrypt "
                    "without any enclave"
                )
            label = statement_label(statement, index)
            paths.append(
                AccessPath(
                    principal,
                    "statement",
                    label,
                    reach,
                    attested,
                    not attested,
                    detail,
                    needs_document=needs_document and not attested,
                )
            )
    return paths


def pins_image(statement: Statement) -> bool:
    """Some condition admits only documents of named images: an (in)equality on an image
    measurement (`IMAGE_KEYS`) whose every value is specific (no wildcard, not all zeros)."""
    for operator, entries in statement.conditions:
        if operator.base not in PINNING_OPERATORS or operator.if_exists:
            continue
        if operator.set_prefix == "ForAllValues:":
            continue
        for key, expected in entries:
            name = key.lower().removeprefix(RECIPIENT_PREFIX.lower())
            if name == key.lower() or name not in IMAGE_KEYS:
                continue
            if all(v.strip("0") and not any(c in v for c in "*?") for v in expected):
                return True
    return False


def _admin_paths(policy: Policy, key_arn: str) -> list[AccessPath]:
    overlaps = {(o.admin_statement, o.administrator): o.message for o in admin_overlaps(policy)}
    paths = []
    for index, statement in enumerate(policy.statements):
        if statement.effect != "Allow" or requires_attestation(statement):
            continue
        actions = [a.removeprefix("kms:") for a in POLICY_CHANGING_ACTIONS]
        actions = [a for a in actions if allows_action(statement, f"kms:{a}")]
        label = statement_label(statement, index)
        for principal in statement_principals(statement) if actions else ():
            ops = _not_denied(policy, principal, actions, key_arn)
            if not ops:
                continue
            overlap = overlaps.get((label, principal))
            detail = overlap or (
                "can rewrite the policy or grant anyone anything: the administrator you trust, "
                "kept apart from the principal that decrypts"
            )
            paths.append(
                AccessPath(principal, "administration", label, ops, False, bool(overlap), detail)
            )
    return paths


def _grant_paths(policy: Policy, grant: Mapping[str, Any], key_arn: str) -> list[AccessPath]:
    grantee = str(grant.get("GranteePrincipal") or "?")
    operations = tuple(grant.get("Operations") or ())
    constraints = dict(grant.get("Constraints") or {})
    context = constraints.get("EncryptionContextEquals") or constraints.get(
        "EncryptionContextSubset"
    )
    wanted = [op for op in PLAINTEXT_OPERATIONS if op in operations]
    name = f" ({grant['Name']})" if grant.get("Name") else ""
    source = f"{grant.get('GrantId', '?')}{name}"
    key = str(grant.get("KeyId") or "KEY")
    narrowed = (
        f"; its constraints {constraints} only narrow which ciphertexts" if constraints else ""
    )
    paths = []
    reach = _not_denied(policy, grantee, wanted, key_arn, context)
    if reach:
        detail = f"a grant cannot carry an attestation condition{narrowed}"
        paths.append(AccessPath(grantee, "grant", source, reach, False, True, detail, key))
    if "CreateGrant" in operations:
        passed = _not_denied(policy, "*", wanted, key_arn, context)
        if passed:
            detail = f"its CreateGrant lets {grantee} give {', '.join(passed)} to any principal"
        else:
            detail = (
                f"its CreateGrant passes on only {', '.join(operations)} (a grant-given "
                "CreateGrant is limited to its grant's operations): no plaintext"
            )
        chain = AccessPath(
            f"anyone {grantee} names",
            "grant chain",
            source,
            operations,
            False,
            bool(passed),
            detail,
            key,
        )
        paths.append(chain)
    return paths
