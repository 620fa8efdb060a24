"""One key's policy, pretty-printed, with the `kms:RecipientAttestation:*` conditions marked.

Fetched with GetKeyPolicy, DescribeKey and ListGrants in a thread worker; the PCRs the policy
pins are listed above it, as the attestation screen would expect them, and below them every
path to the plaintext that bypasses attestation (`core.kms.audit`: statements and grants).
"""

from __future__ import annotations

import json

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from core.attestation import policy_expectations
from core.errors import NitrodeckError
from core.kms.audit import KeyAudit, audit_key
from core.kms.inventory import key_grants, key_policy
from tui.engine.errors import ShowsWorkerErrors, escape
from tui.engine.kms_access import KmsAccess
from tui.presenters.kms_render import pretty_policy
from tui.screens.base import NitrodeckScreen


def pinned_summary(policy_text: str) -> str:
    """'pins PCR0 = ab12…' lines, or why nothing (or no single value) is pinned."""
    try:
        pinned = policy_expectations(json.loads(policy_text))
    except (ValueError, NitrodeckError) as error:
        return f"cannot read the pinned PCRs: {error}"
    if not pinned:
        return "pins no PCR: any caller the policy allows may decrypt, enclave or not"
    return "\n".join(f"pins PCR{index} = {value.hex()}" for index, value in pinned.items())


def audit_warnings(audit: KeyAudit) -> str:
    """The audit's open paths as markup lines (empty when none bypasses attestation)."""
    lines = [
        f"OPEN: {path.principal} via {path.via} {path.source}: {path.detail}"
        for path in audit.open_paths
    ]
    if not audit.grants_read:
        lines.append("the key's grants could not be listed: a grant may bypass the pin")
    return "".join(f"\n[b $warning]{escape(line)}[/]" for line in lines)


class KeyPolicyScreen(ShowsWorkerErrors, NitrodeckScreen):
    ABOUT = "The key's policy; highlighted lines are the attestation conditions KMS checks."
    DEFAULT_CSS = """
    KeyPolicyScreen #policy-head { height: auto; padding: 0 1; margin-bottom: 1; }
    KeyPolicyScreen #policy-scroll { height: 1fr; padding: 0 1; }
    """

    def __init__(self, kms: KmsAccess, key_id: str) -> None:
        super().__init__()
        self.kms = kms
        self.key_id = key_id
        self.crumb = f"policy {key_id[:8]}"
        self.policy_text: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(f"key {escape(self.key_id)}: fetching the policy…", id="policy-head")
        with VerticalScroll(id="policy-scroll"):
            yield Static("", id="policy-body")

    def on_mount(self) -> None:
        self._fetch()

    def _fetch(self) -> None:
        def fetch() -> tuple[str, str, KeyAudit]:
            text, arn = key_policy(self.kms.client(), self.key_id)
            grants = key_grants(self.kms.admin_client(), arn)
            return str(text), str(arn), audit_key(str(text), grants, key_arn=str(arn))

        self.run_job(fetch, lambda got: self._show(*got), failed=self._head, group="kms-policy")

    def show_error(self, markup: str) -> None:
        self._head(markup)

    def _head(self, markup: str) -> None:
        self.query_one("#policy-head", Static).update(markup)

    def _show(self, text: str, arn: str, audit: KeyAudit) -> None:
        self.policy_text = text
        self._head(f"[b]{escape(arn)}[/]\n{escape(pinned_summary(text))}{audit_warnings(audit)}")
        self.query_one("#policy-body", Static).update(pretty_policy(text))
