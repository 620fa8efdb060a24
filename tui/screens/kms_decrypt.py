"""The decrypt step-through: ephemeral key → document → KMS → decrypt inside the enclave.

`core.flows.decrypt.decrypt_in_enclave` runs in a thread worker; each `Step` it reports through
`on_step` is handed to the UI thread and appears as it happens. The result is the plaintext's
length and, with a proof key, HMAC-SHA256 of it under that key (the plaintext stays in the
enclave, and no bare digest a guess could be checked against leaves it); on a denial, the
explainer's verdict, condition by condition (expected against actual), and its findings with
their fixes.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Static

from core.errors import NitrodeckError
from core.flows.decrypt import DecryptRequest, decrypt_in_enclave
from core.kms.client import FlowResult, describe_proof
from core.kms.inputs import encryption_context, proof_key, read_blob
from core.steps import Step
from tui.engine.access import PlatformHolder
from tui.engine.errors import ShowsWorkerErrors, error_markup, escape
from tui.engine.kms_access import KmsAccess
from tui.presenters.kms_render import condition_rows, finding_markup
from tui.presenters.long_values import ShownOnce
from tui.screens.base import NitrodeckScreen
from tui.widgets.form_grid import FormGrid
from tui.widgets.form_keys import KeepsEdits

STEP_STYLE = {"ok": "bold green", "denied": "bold red", "failed": "bold red", "skipped": "dim"}
STEP_MARK = {"ok": "✓ ok", "denied": "✗ DENIED", "failed": "✗ FAILED", "skipped": "- skipped"}
FIELDS = (
    ("enclave", "Enclave", "name or id of a running enclave"),
    ("ciphertext", "Ciphertext file", "raw or base64 KMS ciphertext"),
    ("key", "Key id", "optional: id, ARN or alias"),
    ("context", "Encryption ctx", "optional: k=v,k2=v2"),
    ("proof", "Proof key", "optional: @file or hex, 16-64 bytes"),
)


class DecryptScreen(KeepsEdits, ShowsWorkerErrors, NitrodeckScreen):
    crumb = "decrypt"
    ABOUT = (
        "Decrypt a KMS ciphertext inside an enclave with KMS Recipient: each step appears as it "
        "happens; only the plaintext's length (and an HMAC under your proof key) leave the "
        "enclave. On a denial the key policy is explained condition by condition. Enter in any "
        "field (or ctrl+s) starts; esc leaves a field, a second esc the form."
    )
    FORM_SELECTOR = "#decrypt-form"
    DISCARD_QUESTION = "Leave the decrypt form and lose what you typed?"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Decrypt", id="decrypt.run"),
        Binding("f", "form", "Form", id="decrypt.form"),
    ]
    DEFAULT_CSS = """
    DecryptScreen #decrypt-form { margin: 1 0; }
    DecryptScreen #decrypt-steps { height: auto; max-height: 8; }
    DecryptScreen #decrypt-result { height: 1fr; padding: 0 1; }
    DecryptScreen #decrypt-status, DecryptScreen #decrypt-findings { height: auto; }
    DecryptScreen #decrypt-conditions { height: auto; margin: 1 0; display: none; }
    DecryptScreen #decrypt-conditions.-shown { display: block; }
    """

    def __init__(
        self,
        kms: KmsAccess,
        platforms: PlatformHolder,
        *,
        enclave: str = "",
        ciphertext: str = "",
        key_id: str = "",
        proof_key: str = "",
    ) -> None:
        super().__init__()
        self.kms = kms
        self.platform_override = platforms
        self.initial = {
            "enclave": enclave,
            "ciphertext": ciphertext,
            "key": key_id,
            "proof": proof_key,
        }
        self.result: FlowResult | None = None

    def compose_body(self) -> ComposeResult:
        yield FormGrid(FIELDS, prefix="decrypt", values=self.initial, id="decrypt-form")
        yield DataTable(id="decrypt-steps", cursor_type="row")
        with VerticalScroll(id="decrypt-result"):
            yield Static("", id="decrypt-status")
            yield DataTable(id="decrypt-conditions", cursor_type="row")
            yield Static("", id="decrypt-findings")

    def on_mount(self) -> None:
        self.query_one("#decrypt-steps", DataTable).add_columns("STATUS", "STEP", "DETAIL")
        self.query_one("#decrypt-conditions", DataTable).add_columns(
            "STATEMENT", "HELD", "CONDITION", "EXPECTED", "ACTUAL"
        )
        empty = next((k for k, _, _ in FIELDS if not self.field(k).value), "enclave")
        self.field(empty).focus()
        self._mask_proof()
        self.remember_form()
        self._status("Enclave and ciphertext, then enter. (c in :kms makes a demo key.)")

    @on(Input.Changed, "#decrypt-proof")
    def _mask_proof(self) -> None:
        """A key typed as hex is masked; an @file path is not a secret and stays readable."""
        proof = self.field("proof")
        proof.password = not proof.value.startswith("@")

    def field(self, key: str) -> Input:
        return self.query_one(f"#decrypt-{key}", Input)

    def action_form(self) -> None:
        self.field("enclave").focus()

    def leave_form(self) -> None:
        self.nd_app.go_back()

    def action_submit(self) -> None:
        self.action_decrypt()

    def show_error(self, markup: str) -> None:
        self._status(markup)

    def _status(self, markup: str | Text) -> None:
        status = self.query_one("#decrypt-status", Static)
        status.update(markup)
        self.show_result(status)

    @on(Input.Submitted, "#decrypt-form Input")
    def action_decrypt(self) -> None:
        enclave = self.field("enclave").value.strip()
        path = self.field("ciphertext").value.strip()
        self._clear()  # a new attempt, even one refused below, never shows the last run's steps
        try:
            if not enclave or not path:
                raise NitrodeckError(
                    "name the enclave and the ciphertext file",
                    fix="c in the KMS view creates a demo key and ciphertext for an enclave",
                )
            blob = read_blob(Path(path).expanduser())
            pairs = [p for p in self.field("context").value.split(",") if p.strip()]
            context = encryption_context([p.strip() for p in pairs], where="context")
            proof_text = self.field("proof").value.strip()
            proof = proof_key(proof_text, where="proof key") if proof_text else None
        except NitrodeckError as error:
            self._status(error_markup(error))
            return
        self._status(f"decrypting in {escape(enclave)} via {escape(self.kms.label())}…")
        self.remember_form()
        self._run(enclave, blob, self.field("key").value.strip() or None, context, proof)

    def _clear(self) -> None:
        self.result = None
        for table in self.query(DataTable):
            table.clear()
        self.query_one("#decrypt-conditions").remove_class("-shown")
        self.query_one("#decrypt-findings", Static).update("")

    def _run(
        self,
        enclave: str,
        blob: bytes,
        key_id: str | None,
        context: dict[str, str] | None,
        proof: bytes | None,
    ) -> None:
        def on_step(step: Step) -> None:
            self.app.call_from_thread(self._add_step, step)

        request = DecryptRequest(enclave, blob, key_id, context, proof)

        def decrypt() -> FlowResult:
            kms = self.kms.client()
            return decrypt_in_enclave(
                self.platforms.get(), kms, self.kms.principal, request, on_step
            )

        self.run_job(decrypt, self._show_result, failed=self._status, group="decrypt")

    def _add_step(self, step: Step) -> None:
        mark = Text(STEP_MARK.get(step.status, step.status), style=STEP_STYLE.get(step.status, ""))
        self.query_one("#decrypt-steps", DataTable).add_row(mark, step.name, step.detail)

    def _show_result(self, result: FlowResult) -> None:
        self.result = result
        if result.decrypted is not None:
            self._status(
                f"[b green]decrypted inside the enclave[/]\n"
                f"plaintext: {escape(describe_proof(result.decrypted))}\n"
                "(the plaintext stayed inside the enclave)"
            )
            return
        explanation = result.explanation
        if explanation is None:
            failed = next((s for s in reversed(result.steps) if s.status != "ok"), None)
            detail = f"{failed.name}: {failed.detail}" if failed else "no result"
            self._status(f"[b red]not decrypted[/]: {escape(detail)}")
            return
        debug = "  [b yellow](debug-mode enclave)[/]" if explanation.debug_mode else ""
        once = ShownOnce()  # a PCR in full once on this screen, shortened wherever it repeats
        self._status(f"[b red]why: {escape(once(explanation.summary))}[/]{debug}")
        table = self.query_one("#decrypt-conditions", DataTable)
        table.add_class("-shown")
        for row in condition_rows(explanation.explanation):
            style = "bold green" if row[1] == "✓" else "bold red"
            table.add_row(row[0], Text(row[1], style=style), *row[2:], height=2)
        self.query_one("#decrypt-findings", Static).update(
            finding_markup(explanation.explanation, once)
        )
