"""KMS data laid out for the screens: a policy with its attestation conditions marked, and the
explainer's verdict condition by condition. Pure functions over core's results (no widgets).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from rich.text import Text

from core.kms.context import RECIPIENT_PREFIX
from core.kms.explain import Explanation
from tui.presenters.long_values import short

ATTESTATION_STYLE = "bold black on yellow"
MARK = {True: "✓", False: "✗"}


def pretty_policy(policy_text: str) -> Text:
    """The policy as indented JSON, each line naming a `kms:RecipientAttestation:*` key marked.

    A policy that is not JSON is shown as given (KMS stores what it was sent).
    """
    try:
        pretty = json.dumps(json.loads(policy_text), indent=2)
    except ValueError:
        pretty = policy_text
    text = Text()
    for line in pretty.splitlines():
        if RECIPIENT_PREFIX.lower() in line.lower():
            text.append(line, style=ATTESTATION_STYLE)
            text.append("  ◀ attestation condition", style="bold yellow")
        else:
            text.append(line)
        text.append("\n")
    return text


def cell(value: str) -> str:
    """A long value (a 96-digit PCR) as its head and tail in a table cell; the one place that
    shows it whole is the findings' text under the table."""
    return short(value, 20)


def condition_rows(explanation: Explanation) -> list[tuple[str, str, str, str, str]]:
    """(statement, held, condition, expected, actual) per condition of every statement, each
    cell two lines (effect under the statement, key under the operator); a statement without
    conditions, or whose principal/action/resource did not match, gets a scope row."""
    rows: list[tuple[str, str, str, str, str]] = []
    scope_cell = "(scope)\nprincipal/action/resource"
    for result in explanation.decision.statements:
        label = f"{result.label}\n{result.effect}"
        scope = result.principal_match and result.action_match and result.resource_match
        if not result.conditions or not scope:
            rows.append((label, MARK[scope], scope_cell, "", ""))
        for cond in result.conditions:
            actual = "(absent)" if cond.actual is None else ", ".join(map(cell, cond.actual))
            expected = ", ".join(map(cell, cond.expected))
            condition = f"{cond.operator}\n{cond.key}"
            rows.append((label, MARK[cond.matched], condition, expected, actual))
    return rows


def finding_markup(explanation: Explanation, once: Callable[[str], str] = str) -> Text:
    """The findings, causes first, each with its fix; `once` shortens a value already shown."""
    text = Text()
    styles = {"cause": "bold red", "warning": "bold yellow", "note": "bold cyan"}
    for finding in explanation.findings:
        text.append(f"{finding.kind}", style=styles.get(finding.kind, "bold"))
        where = f" [{finding.statement}]" if finding.statement else ""
        text.append(f"{where}: {once(finding.message)}\n")
        if finding.fix:
            text.append("  fix: ", style="bold")
            text.append(f"{once(finding.fix)}\n")
    return text
