"""IAM condition operators, evaluated the way AWS documents them.

Rules (IAM user guide, "Condition operators" and "multiple context keys or values"):
- values listed for one key are ORed; for a negated operator they are NORed;
- a key absent from the request makes the condition false, except that a negated operator
  (`StringNotEquals`, `StringNotLike`, …) is then true, `…IfExists` is then true, and `Null` is
  the test for absence itself;
- `ForAnyValue:` needs at least one request value to match (false when the key is absent);
  `ForAllValues:` needs every request value to match (true when the key is absent);
- condition key names are case-insensitive; values compare case-sensitively unless the operator
  says `IgnoreCase`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

Matcher = Callable[[str, str], bool]


@lru_cache(maxsize=1024)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's `*` / `?` glob (used by StringLike, Action and Resource)."""
    return _wildcard(pattern, ignore_case).fullmatch(value) is not None


def _bool_match(expected: str, actual: str) -> bool:
    return expected.lower() == actual.lower()


def _numbers(expected: str, actual: str, compare: Callable[[float, float], bool]) -> bool:
    """Compare as numbers (kms:RotationPeriodInDays); a value that is not one never matches."""
    try:
        return compare(float(expected), float(actual))
    except ValueError:
        return False


# Base operator name -> (matcher(expected, actual), negated)
BASE_OPERATORS: dict[str, tuple[Matcher, bool]] = {
    "StringEquals": (lambda e, a: e == a, False),
    "StringNotEquals": (lambda e, a: e == a, True),
    "StringEqualsIgnoreCase": (lambda e, a: e.lower() == a.lower(), False),
    "StringNotEqualsIgnoreCase": (lambda e, a: e.lower() == a.lower(), True),
    "StringLike": (lambda e, a: wildcard_match(e, a), False),
    "StringNotLike": (lambda e, a: wildcard_match(e, a), True),
    "Bool": (_bool_match, False),
    "NumericEquals": (lambda e, a: _numbers(e, a, lambda x, y: y == x), False),
    "NumericNotEquals": (lambda e, a: _numbers(e, a, lambda x, y: y == x), True),
    "NumericLessThan": (lambda e, a: _numbers(e, a, lambda x, y: y < x), False),
    "NumericLessThanEquals": (lambda e, a: _numbers(e, a, lambda x, y: y <= x), False),
    "NumericGreaterThan": (lambda e, a: _numbers(e, a, lambda x, y: y > x), False),
    "NumericGreaterThanEquals": (lambda e, a: _numbers(e, a, lambda x, y: y >= x), False),
}
SET_PREFIXES = ("ForAnyValue:", "ForAllValues:")
IF_EXISTS = "IfExists"


@dataclass(frozen=True)
class Operator:
    """A parsed operator name such as `ForAnyValue:StringLikeIfExists`."""

    name: str
    base: str
    set_prefix: str | None
    if_exists: bool

    @property
    def negated(self) -> bool:
        return self.base != "Null" and BASE_OPERATORS[self.base][1]


class UnknownOperatorError(ValueError):
    """A condition operator this engine does not know."""


def parse_operator(name: str) -> Operator:
    """Split the prefix and suffix off an operator name (raises `UnknownOperatorError`)."""
    rest = name
    prefix = next((p for p in SET_PREFIXES if rest.startswith(p)), None)
    if prefix:
        rest = rest[len(prefix) :]
    if_exists = rest.endswith(IF_EXISTS) and rest != IF_EXISTS
    if if_exists:
        rest = rest[: -len(IF_EXISTS)]
    if rest == "Null" and not (prefix or if_exists):
        return Operator(name, "Null", None, False)
    if rest not in BASE_OPERATORS:
        known = ", ".join([*BASE_OPERATORS, "Null"])
        raise UnknownOperatorError(f"unknown condition operator {name!r} (known: {known})")
    return Operator(name, rest, prefix, if_exists)


def _any_expected(matcher: Matcher, expected: Sequence[str], actual: str) -> bool:
    return any(matcher(e, actual) for e in expected)


def evaluate(operator: Operator, expected: Sequence[str], actual: Sequence[str] | None) -> bool:
    """Whether one `operator: {key: expected}` entry holds for the request's values of that key.

    `actual` is None when the key is absent from the request context.
    """
    if operator.base == "Null":
        wants_absent = [e.lower() == "true" for e in expected]
        return (actual is None) in wants_absent
    matcher, negated = BASE_OPERATORS[operator.base]
    if actual is None:
        if operator.if_exists:
            return True
        if operator.set_prefix == "ForAllValues:":
            return True
        if operator.set_prefix == "ForAnyValue:":
            return False
        return negated

    def one(value: str) -> bool:
        hit = _any_expected(matcher, expected, value)
        return not hit if negated else hit

    if operator.set_prefix == "ForAllValues:":
        return all(one(v) for v in actual)
    if operator.set_prefix == "ForAnyValue:":
        return any(one(v) for v in actual)
    if negated:
        return all(one(v) for v in actual)
    return any(one(v) for v in actual)
