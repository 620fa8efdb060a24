"""Can the principal that decrypts under attestation also rewrite the key policy?

A Decrypt allowed only with `kms:RecipientAttestation:*` conditions protects nothing if the same
principal may also call `kms:PutKeyPolicy` (replace the policy with one without the condition)
or `kms:CreateGrant` (grant itself Decrypt without it). `admin_overlaps(policy)` finds every such
pair of statements, each named by its Sid or index; the KMS screen, `nitrodeck kms explain`, the
doctor and the training labs all use it, so they say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.kms.conditions import evaluate, wildcard_match
from core.kms.context import RECIPIENT_PREFIX, account_of
from core.kms.policy import Policy, Statement, parse_policy, principal_matches

POLICY_CHANGING_ACTIONS = ("kms:PutKeyPolicy", "kms:CreateGrant")


@dataclass(frozen=True)
class AdminOverlap:
    """One attested-Decrypt statement whose principal may also change who may decrypt."""

    decrypt_statement: str  # its Sid, else "Statement[i]"
    admin_statement: str
    decryptor: str  # the principal named in the decrypt statement
    administrator: str  # the principal in the admin statement that covers it
    actions: tuple[str, ...]  # which of POLICY_CHANGING_ACTIONS it allows
    via_account: bool  # the admin principal is the account (root): IAM policies decide

    @property
    def message(self) -> str:
        actions = " and ".join(self.actions)
        if self.via_account:
            how = f"the account principal {self.administrator}: any IAM policy may grant them"
        elif self.administrator == self.decryptor:
            how = "the same principal"
        else:
            how = f"{self.administrator} includes it"
        return (
            f"{self.decryptor} may decrypt under attestation conditions (statement "
            f"{self.decrypt_statement}) but also {actions} (statement {self.admin_statement}; "
            f"{how}): it can rewrite the conditions away. Give administration to a different "
            "principal than the one that decrypts."
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "decrypt_statement": self.decrypt_statement,
            "admin_statement": self.admin_statement,
            "decryptor": self.decryptor,
            "administrator": self.administrator,
            "actions": list(self.actions),
            "via_account": self.via_account,
            "message": self.message,
        }


def statement_label(statement: Statement, index: int) -> str:
    return statement.sid if statement.sid else f"Statement[{index}]"


def allows_action(statement: Statement, action: str) -> bool:
    hit = any(wildcard_match(p, action, ignore_case=True) for p in statement.actions)
    return hit != statement.not_action


def requires_attestation(statement: Statement) -> bool:
    """A `kms:RecipientAttestation:*` condition fails when the request has no document, so the
    statement never applies without attestation (`…IfExists`, negated and `ForAllValues:`
    operators, or `Null` set to true, all hold without one and do not count)."""
    return any(
        key.lower().startswith(RECIPIENT_PREFIX.lower()) and not evaluate(op, expected, None)
        for op, entries in statement.conditions
        for key, expected in entries
    )


def statement_principals(statement: Statement) -> tuple[str, ...]:
    """Who the statement names; NotPrincipal counts as everyone (it names all but a few)."""
    if statement.not_principal or statement.principals is None:
        return ("*",)
    return statement.principals


def _covers(admin: str, decryptor: str) -> bool:
    """The admin principal pattern includes (some of) the decrypting principal(s)."""
    return principal_matches(admin, decryptor) or principal_matches(decryptor, admin)


def _is_account(principal: str) -> bool:
    return principal.isdigit() or (
        principal.endswith(":root") and account_of(principal) is not None
    )


def admin_overlaps(policy: Policy | str) -> tuple[AdminOverlap, ...]:
    """Every (attested Decrypt statement, admin statement) pair sharing a principal.

    A statement counts as administration when it allows kms:PutKeyPolicy or kms:CreateGrant
    (`kms:*` and wildcards included) without an attestation condition of its own; an explicit
    Deny of those actions to the same principal without conditions clears the pair.
    """
    if not isinstance(policy, Policy):
        policy = parse_policy(policy)
    statements = list(enumerate(policy.statements))
    decrypts = [
        (i, s)
        for i, s in statements
        if s.effect == "Allow" and requires_attestation(s) and allows_action(s, "kms:Decrypt")
    ]
    found: list[AdminOverlap] = []
    for d_index, decrypt in decrypts:
        for decryptor in statement_principals(decrypt):
            for a_index, admin in statements:
                if admin.effect != "Allow" or requires_attestation(admin):
                    continue
                for administrator in statement_principals(admin):
                    if not _covers(administrator, decryptor):
                        continue
                    actions = tuple(
                        a
                        for a in POLICY_CHANGING_ACTIONS
                        if allows_action(admin, a) and not _denied(policy, decryptor, a)
                    )
                    if actions:
                        found.append(
                            AdminOverlap(
                                decrypt_statement=statement_label(decrypt, d_index),
                                admin_statement=statement_label(admin, a_index),
                                decryptor=decryptor,
                                administrator=administrator,
                                actions=actions,
                                via_account=_is_account(administrator)
                                and administrator != decryptor,
                            )
                        )
    return tuple(found)


def _denied(policy: Policy, principal: str, action: str) -> bool:
    return any(
        s.effect == "Deny"
        and not s.conditions
        and allows_action(s, action)
        and any(principal_matches(p, principal) for p in statement_principals(s))
        for s in policy.statements
    )
