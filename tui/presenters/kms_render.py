"""KMS data laid out for the screens: a policy with its attestation conditions marked, and the
explainer's verdict condition by condition. Pure functions over core's results (no widgets).
"""

from __future__ import annotations

import json

from rich.text import Text

from core.kms.context import RECIPIENT_PREFIX
from core.kms.explain import Explanation

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


def short(value: str, width: int = 20) -> str:
    """A long value (a 96-digit PCR) as its head and tail: enough to tell two apart in a table;
    the findings under the table carry the full values."""
    return value if len(value) <= width else f"{value[:12]}…{value[-6:]}"


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
            actual = "(absent)" if cond.actual is None else ", ".join(map(short, cond.actual))
            expected = ", ".join(map(short, cond.expected))
            condition = f"{cond.operator}\n{cond.key}"
            rows.append((label, MARK[cond.matched], condition, expected, actual))
    return rows


def finding_markup(explanation: Explanation) -> Text:
    """The findings, causes first, each with its fix."""
    text = Text()
    styles = {"cause": "bold red", "warning": "bold yellow", "note": "bold cyan"}
    for finding in explanation.findings:
        text.append(f"{finding.kind}", style=styles.get(finding.kind, "bold"))
        where = f" [{finding.statement}]" if finding.statement else ""
        text.append(f"{where}: {finding.message}\n")
        if finding.fix:
            text.append("  fix: ", style="bold")
            text.append(f"{finding.fix}\n")
    return text
