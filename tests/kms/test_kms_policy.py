"""The policy engine: operators, set prefixes, IfExists, absent keys, principals, deny-wins."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import PolicyError
from core.kms.conditions import evaluate as condition
from core.kms.conditions import parse_operator, wildcard_match
from core.kms.context import request_context
from core.kms.policy import evaluate, principal_matches
from core.kms.policy_model import parse_policy

ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/parent"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/parent/i-0abc"
USER = f"arn:aws:iam::{ACCOUNT}:user/nitrodeck-local"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PCR0 = bytes.fromhex("ab" * 48)

ABSENT = None


@pytest.mark.parametrize(
    ("operator", "expected", "actual", "result"),
    [
        ("StringEquals", ["abc"], ["abc"], True),
        ("StringEquals", ["ABC"], ["abc"], False),
        ("StringEquals", ["x", "abc"], ["abc"], True),  # values are ORed
        ("StringEquals", ["abc"], ABSENT, False),
        ("StringNotEquals", ["abc"], ["abd"], True),
        ("StringNotEquals", ["x", "abc"], ["abc"], False),  # negated values are NORed
        ("StringNotEquals", ["abc"], ABSENT, True),  # negated operator on an absent key holds
        ("StringEqualsIgnoreCase", ["ABC"], ["abc"], True),
        ("StringEqualsIgnoreCase", ["ABD"], ["abc"], False),
        ("StringNotEqualsIgnoreCase", ["ABC"], ["abc"], False),
        ("StringNotEqualsIgnoreCase", ["ABD"], ["abc"], True),
        ("StringLike", ["a*c"], ["abbbc"], True),
        ("StringLike", ["a?c"], ["abbc"], False),
        ("StringLike", ["a?c"], ["abc"], True),
        ("StringLike", ["A*"], ["abc"], False),
        ("StringLike", ["a*"], ABSENT, False),
        ("StringNotLike", ["a*"], ["bcd"], True),
        ("StringNotLike", ["a*"], ["abc"], False),
        ("StringNotLike", ["a*"], ABSENT, True),
        ("Null", ["true"], ABSENT, True),
        ("Null", ["true"], ["x"], False),
        ("Null", ["false"], ["x"], True),
        ("Null", ["false"], ABSENT, False),
        ("Bool", ["true"], ["true"], True),
        ("Bool", ["true"], ["false"], False),
        ("Bool", ["true"], ABSENT, False),
        ("StringEqualsIfExists", ["abc"], ABSENT, True),
        ("StringEqualsIfExists", ["abc"], ["abd"], False),
        ("StringEqualsIfExists", ["abc"], ["abc"], True),
        ("ForAnyValue:StringEquals", ["a", "b"], ["c", "b"], True),
        ("ForAnyValue:StringEquals", ["a"], ["c", "b"], False),
        ("ForAnyValue:StringEquals", ["a"], ABSENT, False),
        ("ForAllValues:StringEquals", ["a", "b"], ["a", "b"], True),
        ("ForAllValues:StringEquals", ["a"], ["a", "b"], False),
        ("ForAllValues:StringEquals", ["a"], ABSENT, True),  # AWS: true when the key is absent
        ("ForAllValues:StringLike", ["a*"], ["ab", "ac"], True),
        ("ForAnyValue:StringNotEquals", ["a"], ["a", "b"], True),
        ("ForAllValues:StringNotEquals", ["a"], ["a", "b"], False),
        ("ForAnyValue:StringLikeIfExists", ["a*"], ABSENT, True),
        ("NumericLessThanEquals", ["180"], ["180"], True),
        ("NumericLessThanEquals", ["180"], ["365"], False),
        ("NumericLessThan", ["180"], ["180"], False),
        ("NumericGreaterThan", ["90"], ["91"], True),
        ("NumericGreaterThanEquals", ["90"], ["89"], False),
        ("NumericEquals", ["90"], ["90.0"], True),
        ("NumericNotEquals", ["90"], ["90"], False),
        ("NumericEquals", ["90"], ["ninety"], False),
        ("NumericLessThan", ["90"], ABSENT, False),
    ],
)
def test_operator_table(
    operator: str, expected: list[str], actual: list[str] | None, result: bool
) -> None:
    values = None if actual is None else tuple(actual)
    assert condition(parse_operator(operator), tuple(expected), values) is result


@pytest.mark.parametrize(
    "name", ["StringEqual", "DateGreaterThan", "ForSomeValues:StringEquals", "IfExists"]
)
def test_unknown_operators_are_rejected_at_parse(name: str) -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "kms:*",
            "Resource": "*",
            "Condition": {name: {"k": "v"}},
        }
    )
    with pytest.raises(PolicyError, match="unknown condition operator"):
        parse_policy(policy)


@pytest.mark.parametrize(
    ("pattern", "value", "result"),
    [
        ("kms:*", "kms:Decrypt", True),
        ("kms:Decrypt*", "kms:DecryptSomething", True),
        ("kms:Decrypt*", "kms:Encrypt", False),
        ("kms:?ecrypt", "kms:Decrypt", True),
        ("a.b", "axb", False),
    ],
)
def test_wildcards(pattern: str, value: str, result: bool) -> None:
    assert wildcard_match(pattern, value) is result


@given(st.text(max_size=20))
def test_star_matches_everything_and_literal_matches_itself(text: str) -> None:
    assert wildcard_match("*", text)
    escaped = text.replace("*", "").replace("?", "")
    assert wildcard_match(escaped, escaped)


@pytest.mark.parametrize(
    ("pattern", "caller", "result"),
    [
        ("*", USER, True),
        (f"arn:aws:iam::{ACCOUNT}:root", USER, True),
        (f"arn:aws:iam::{ACCOUNT}:root", SESSION, True),
        (ACCOUNT, USER, True),
        ("arn:aws:iam::999999999999:root", USER, False),
        (ROLE, SESSION, True),
        (f"arn:aws:iam::{ACCOUNT}:role/other", SESSION, False),
        (USER, USER, True),
        (f"arn:aws:iam::{ACCOUNT}:user/someone", USER, False),
    ],
)
def test_principals(pattern: str, caller: str, result: bool) -> None:
    assert principal_matches(pattern, caller) is result


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(**extra: Any) -> dict[str, Any]:
    return {
        "Effect": "Allow",
        "Principal": {"AWS": ROLE},
        "Action": "kms:Decrypt",
        "Resource": "*",
        **extra,
    }


def _ctx(
    action: str = "kms:Decrypt", pcrs: dict[int, bytes] | None = None, principal: str = SESSION
) -> Any:
    return request_context(principal=principal, action=action, resource=KEY, pcrs=pcrs)


def test_attested_allow_matches_lower_case_hex_and_denies_without_document() -> None:
    policy = _policy(
        _allow(Condition={"StringEquals": {"kms:RecipientAttestation:ImageSha384": PCR0.hex()}})
    )
    assert evaluate(policy, _ctx(pcrs={0: PCR0})).allowed
    decision = evaluate(policy, _ctx())
    assert not decision.allowed and not decision.explicit_deny
    (cond,) = decision.statements[0].conditions
    assert cond.actual is None and cond.expected == (PCR0.hex(),) and not cond.matched
    assert "default deny" in decision.reason


def test_condition_key_names_are_case_insensitive_but_values_are_not() -> None:
    upper = PCR0.hex().upper()
    by_key = _policy(
        _allow(Condition={"StringEquals": {"KMS:recipientattestation:imagesha384": PCR0.hex()}})
    )
    assert evaluate(by_key, _ctx(pcrs={0: PCR0})).allowed
    by_value = _policy(_allow(Condition={"StringEquals": {"kms:RecipientAttestation:PCR0": upper}}))
    assert not evaluate(by_value, _ctx(pcrs={0: PCR0})).allowed
    ignore = _policy(
        _allow(Condition={"StringEqualsIgnoreCase": {"kms:RecipientAttestation:PCR0": upper}})
    )
    assert evaluate(ignore, _ctx(pcrs={0: PCR0})).allowed


def test_explicit_deny_wins_over_allow() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:*",
        "Resource": "*",
        "Condition": {"Null": {"kms:RecipientAttestation:ImageSha384": "true"}},
    }
    policy = _policy(_allow(), deny)
    decision = evaluate(policy, _ctx())
    assert not decision.allowed and decision.explicit_deny
    assert evaluate(policy, _ctx(pcrs={0: PCR0})).allowed


def test_not_action_and_wrong_action() -> None:
    policy = _policy(
        {"Effect": "Allow", "Principal": "*", "NotAction": "kms:Decrypt*", "Resource": "*"}
    )
    assert evaluate(policy, _ctx("kms:Encrypt")).allowed
    assert not evaluate(policy, _ctx("kms:Decrypt")).allowed
    assert not evaluate(_policy(_allow()), _ctx("kms:Encrypt")).allowed


def test_resource_must_name_the_key() -> None:
    assert evaluate(_policy(_allow(Resource=KEY)), _ctx()).allowed
    other = KEY.replace("1234abcd", "ffffffff")
    result = evaluate(_policy(_allow(Resource=other)), _ctx())
    assert not result.allowed and not result.statements[0].resource_match


def test_account_and_encryption_context_keys() -> None:
    policy = _policy(
        _allow(
            Condition={
                "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:EncryptionContext:app": "pay"},
            }
        )
    )
    good = request_context(
        principal=SESSION, action="kms:Decrypt", resource=KEY, encryption_context={"app": "pay"}
    )
    bad = request_context(
        principal=SESSION, action="kms:Decrypt", resource=KEY, encryption_context={"app": "x"}
    )
    assert evaluate(policy, good).allowed
    assert not evaluate(policy, bad).allowed


def test_not_principal() -> None:
    policy = _policy(
        {"Effect": "Deny", "NotPrincipal": {"AWS": ROLE}, "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"},
    )
    assert evaluate(policy, _ctx()).allowed
    assert evaluate(policy, _ctx(principal=USER)).explicit_deny


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ("{", "line 1"),
        ("[]", "policy"),
        ('{"Statement": []}', "Statement"),
        (
            _policy({"Effect": "Permit", "Principal": "*", "Action": "kms:*", "Resource": "*"}),
            "Statement[0].Effect",
        ),
        (_policy({"Effect": "Allow", "Action": "kms:*", "Resource": "*"}), "Statement[0]"),
        (
            _policy(
                {"Effect": "Allow", "Principal": {"Bogus": "x"}, "Action": "kms:*", "Resource": "*"}
            ),
            "Statement[0].Principal.Bogus",
        ),
        (_policy({"Effect": "Allow", "Principal": "*", "Resource": "*"}), "Statement[0]"),
        (
            _policy({"Effect": "Allow", "Principal": "*", "Action": [], "Resource": "*"}),
            "Statement[0].Action",
        ),
    ],
)
def test_malformed_policies_say_where(document: str, where: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(document)
    assert caught.value.where is not None and caught.value.where.startswith(where)


@given(
    st.recursive(
        st.none() | st.booleans() | st.text(max_size=5) | st.integers(),
        lambda c: (
            st.lists(c, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "Statement",
                        "Effect",
                        "Principal",
                        "Action",
                        "Resource",
                        "Condition",
                        "AWS",
                        "Sid",
                    ]
                ),
                c,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_parser_never_crashes(document: Any) -> None:
    try:
        policy = parse_policy(json.dumps(document))
    except PolicyError:
        return
    evaluate(policy, _ctx())
