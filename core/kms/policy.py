"""The key-policy engine: one evaluator for the local KMS's decisions and for explanations.

Evaluation follows the IAM logic for a single resource-based policy: a matching Deny wins, else a
matching Allow allows, else the request is denied by default. A statement matches when its
principal, action, resource and every condition match. The result keeps every step (per
statement and per condition, expected against actual) so that a denial can be explained with the
very computation that produced it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import PolicyError
from core.kms import conditions
from core.kms.context import RequestContext, account_of
from core.kms.policy_model import Policy, Statement, parse_policy

__all__ = [
    "ConditionResult",
    "Decision",
    "Policy",
    "PolicyError",
    "Statement",
    "StatementResult",
    "evaluate",
    "parse_policy",
    "principal_matches",
]


@dataclass(frozen=True)
class ConditionResult:
    operator: str
    key: str
    expected: tuple[str, ...]
    actual: tuple[str, ...] | None
    matched: bool


@dataclass(frozen=True)
class StatementResult:
    sid: str | None
    effect: str
    principal_match: bool
    action_match: bool
    resource_match: bool
    conditions: tuple[ConditionResult, ...]

    @property
    def conditions_match(self) -> bool:
        return all(c.matched for c in self.conditions)

    @property
    def applies(self) -> bool:
        """The statement's effect takes part in the decision."""
        return (
            self.principal_match
            and self.action_match
            and self.resource_match
            and self.conditions_match
        )

    @property
    def label(self) -> str:
        return self.sid if self.sid else "(no Sid)"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    statements: tuple[StatementResult, ...]
    explicit_deny: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "explicit_deny": self.explicit_deny,
            "reason": self.reason,
            "statements": [
                {
                    "sid": s.sid,
                    "effect": s.effect,
                    "applies": s.applies,
                    "principal_match": s.principal_match,
                    "action_match": s.action_match,
                    "resource_match": s.resource_match,
                    "conditions": [
                        {
                            "operator": c.operator,
                            "key": c.key,
                            "expected": list(c.expected),
                            "actual": None if c.actual is None else list(c.actual),
                            "matched": c.matched,
                        }
                        for c in s.conditions
                    ],
                }
                for s in self.statements
            ],
        }


def _role_of_session(arn: str) -> tuple[str, str] | None:
    """(account, role name) of an assumed-role session ARN."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        pieces = parts[5].split("/")
        if len(pieces) >= 3:
            return parts[4], pieces[1]
    return None


def principal_matches(pattern: str, caller: str) -> bool:
    """Whether the policy principal `pattern` names the caller `caller`.

    `*` matches anyone; an account id or `arn:aws:iam::<acct>:root` matches every principal of
    that account (the account delegates to IAM); a role ARN matches its assumed-role sessions.
    """
    if pattern == "*" or pattern == caller:
        return True
    if pattern.isdigit():
        pattern = f"arn:aws:iam::{pattern}:root"
    if pattern.endswith(":root") and ":iam::" in pattern:
        return account_of(pattern) == account_of(caller)
    session = _role_of_session(caller)
    if session and ":role/" in pattern:
        account, role = session
        return account_of(pattern) == account and pattern.rsplit("/", 1)[-1] == role
    return False


def _principal_match(statement: Statement, caller: str) -> bool:
    if statement.principals is None:
        return False
    hit = any(principal_matches(p, caller) for p in statement.principals)
    return not hit if statement.not_principal else hit


def _list_match(patterns: Sequence[str], negated: bool, value: str, ignore_case: bool) -> bool:
    hit = any(conditions.wildcard_match(p, value, ignore_case=ignore_case) for p in patterns)
    return not hit if negated else hit


def _conditions(statement: Statement, context: RequestContext) -> tuple[ConditionResult, ...]:
    results = []
    for operator, entries in statement.conditions:
        for key, expected in entries:
            actual = context.value(key)
            matched = conditions.evaluate(operator, expected, actual)
            results.append(ConditionResult(operator.name, key, expected, actual, matched))
    return tuple(results)


def evaluate_statement(statement: Statement, context: RequestContext) -> StatementResult:
    return StatementResult(
        sid=statement.sid,
        effect=statement.effect,
        principal_match=_principal_match(statement, context.principal),
        action_match=_list_match(statement.actions, statement.not_action, context.action, True),
        resource_match=_list_match(
            statement.resources, statement.not_resource, context.resource, False
        ),
        conditions=_conditions(statement, context),
    )


def evaluate(policy: Policy | str | Mapping[str, Any], context: RequestContext) -> Decision:
    """Decide `context` against `policy` (a parsed `Policy`, its JSON text or its dict)."""
    if not isinstance(policy, Policy):
        policy = parse_policy(policy if isinstance(policy, str) else json.dumps(policy))
    results = tuple(evaluate_statement(s, context) for s in policy.statements)
    denies = [r for r in results if r.effect == "Deny" and r.applies]
    if denies:
        return Decision(
            False, f"explicit Deny in statement [{denies[0].label}]", results, explicit_deny=True
        )
    allows = [r for r in results if r.effect == "Allow" and r.applies]
    if allows:
        return Decision(True, f"allowed by statement [{allows[0].label}]", results)
    return Decision(False, f"no statement allows {context.action} (default deny)", results)
