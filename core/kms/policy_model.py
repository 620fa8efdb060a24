"""Key-policy documents parsed into typed statements, with errors that point at the element.

KMS rejects a malformed policy at PutKeyPolicy (MalformedPolicyDocumentException); parsing it
up front gives the explainer and the local KMS the same view and the same error texts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.errors import PolicyError
from core.kms.conditions import Operator, UnknownOperatorError, parse_operator

ConditionEntries = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Statement:
    sid: str | None
    effect: str
    principals: tuple[str, ...] | None
    not_principal: bool
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[tuple[Operator, ConditionEntries], ...]


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]
    text: str


def _fail(what: str, where: str) -> PolicyError:
    return PolicyError(what, where=where, fix="correct the key policy document and retry")


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            out.append(str(item))
        else:
            raise _fail(f"expected a string or a list of strings, found {item!r}", where)
    if not out:
        raise _fail("the list is empty", where)
    return tuple(out)


def _principals(value: Any, where: str) -> tuple[str, ...]:
    if value == "*":
        return ("*",)
    if not isinstance(value, dict) or not value:
        raise _fail('Principal must be "*" or an object such as {"AWS": ARN}', where)
    out: list[str] = []
    for kind, names in value.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise _fail(f"unknown principal type {kind!r}", f"{where}.{kind}")
        out.extend(_strings(names, f"{where}.{kind}"))
    return tuple(out)


def _pair(raw: dict[str, Any], name: str, where: str) -> tuple[tuple[str, ...], bool]:
    positive, negative = raw.get(name), raw.get("Not" + name)
    if (positive is None) == (negative is None):
        raise _fail(f"a statement needs exactly one of {name} and Not{name}", where)
    if positive is not None:
        return _strings(positive, f"{where}.{name}"), False
    return _strings(negative, f"{where}.Not{name}"), True


def _conditions(raw: Any, where: str) -> tuple[tuple[Operator, ConditionEntries], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise _fail("Condition must be an object of operators", where)
    out = []
    for name, entries in raw.items():
        try:
            operator = parse_operator(name)
        except UnknownOperatorError as error:
            raise _fail(str(error), f"{where}.{name}") from None
        if not isinstance(entries, dict) or not entries:
            raise _fail("a condition operator needs an object of keys", f"{where}.{name}")
        pairs = tuple((k, _strings(v, f"{where}.{name}.{k}")) for k, v in entries.items())
        out.append((operator, pairs))
    return tuple(out)


def _statement(raw: Any, where: str) -> Statement:
    if not isinstance(raw, dict):
        raise _fail("a statement must be an object", where)
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise _fail(f'Effect must be "Allow" or "Deny", found {effect!r}', f"{where}.Effect")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise _fail("Sid must be a string", f"{where}.Sid")
    if ("Principal" in raw) == ("NotPrincipal" in raw):
        raise _fail("a key policy statement needs exactly one of Principal and NotPrincipal", where)
    not_principal = "NotPrincipal" in raw
    label = "NotPrincipal" if not_principal else "Principal"
    principals = _principals(raw[label], f"{where}.{label}")
    actions, not_action = _pair(raw, "Action", where)
    resources, not_resource = _pair(raw, "Resource", where)
    return Statement(
        sid=sid,
        effect=effect,
        principals=principals,
        not_principal=not_principal,
        actions=actions,
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        conditions=_conditions(raw.get("Condition"), f"{where}.Condition"),
    )


def parse_policy(text: str) -> Policy:
    """Parse a key policy's JSON text (raises `PolicyError` naming the element at fault)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise _fail(f"not valid JSON: {error.msg}", where) from None
    if not isinstance(document, dict):
        raise _fail("a policy must be a JSON object", "policy")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise _fail("a policy needs a non-empty Statement list", "Statement")
    parsed = tuple(_statement(s, f"Statement[{i}]") for i, s in enumerate(statements))
    return Policy(statements=parsed, text=text)
