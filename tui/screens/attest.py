"""The attestation step-through: ask an enclave (or read a file), then watch each check land.

The form names the source (a running enclave or a document file), the nonce (random, editable),
optional user data, where expected PCRs come from (an EIF or a key policy) and the trust anchors.
The document is fetched and verified in a thread worker; the checks of `core.attestation` then
appear one by one with status and evidence, the highlighted one's evidence and hint below. The
decoded document (fields, PCRs, certificate chain) has its own tabs; `e` exports it to a file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.suggester import SuggestFromList
from textual.widgets import Button, DataTable, Input, Static, TabbedContent, TabPane

from core.agent.client import NO_PUBLIC_KEY_NOTE
from core.attestation import VerificationReport, describe_document, parse_document
from core.errors import NitrodeckError
from core.flows.attest import AttestRequest, attest_and_verify
from core.platform.base import Platform
from tui.engine.access import PlatformHolder, running_enclaves
from tui.engine.errors import ShowsWorkerErrors, error_markup, escape
from tui.presenters.attest_detail import (
    STATUS_MARK,
    STATUS_STYLE,
    certificate_rows,
    field_rows,
    pcr_rows,
)
from tui.presenters.attest_request import parse_request
from tui.screens.base import NitrodeckScreen
from tui.widgets.form_grid import FormGrid
from tui.widgets.form_keys import KeepsEdits
from tui.widgets.prompt_bar import ReturningPrompt

NONCE_BYTES = 32
REVEAL_BUDGET = 0.3  # seconds for all checks to appear (the target: all in under 1 s)
EVIDENCE_WIDTH = 92  # the full evidence is in the detail pane under the table
FIELDS = (
    ("source", "Enclave or file", "enclave name / id, or a document file"),
    ("nonce", "Nonce (hex)", "sent to the enclave and expected back"),
    ("user-data", "User data", "text, or hex:… (optional)"),
    ("expect", "Expect PCRs of", "EIF or key policy JSON (optional)"),
    ("trust", "Trust", "empty: this platform's root; or aws,sim,PEM…"),
    ("at", "Verify at", "now, or ISO 8601 / Unix ms"),
)


class AttestScreen(KeepsEdits, ShowsWorkerErrors, NitrodeckScreen):
    crumb = "attest"
    ABOUT = (
        "Fetch an attestation document from a running enclave (or read one from a file) and "
        "verify it the way a relying party does: each check appears with its evidence and a hint. "
        "Enter in any field starts; e exports the document. " + NO_PUBLIC_KEY_NOTE
    )
    FORM_SELECTOR = "#attest-form"
    BINDINGS = [
        Binding("escape", "back", "Leave field / back", id="attest.back"),
        Binding("ctrl+s", "submit", "Attest", id="attest.run"),
        Binding("ctrl+n", "new_nonce", "New nonce", id="attest.nonce"),
        Binding("e", "export", "Export", id="attest.export"),
        Binding("f", "form", "Form", id="attest.form"),
    ]
    DEFAULT_CSS = """
    AttestScreen #attest-bar { height: 1; padding: 0 1; margin: 1 0 0 0; }
    AttestScreen #attest-bar Button { height: 1; min-width: 10; border: none; margin-right: 1; }
    AttestScreen #attest-status { height: auto; max-height: 4; padding: 0 1; }
    AttestScreen TabbedContent { height: 1fr; }
    AttestScreen #attest-checks { height: 1fr; }
    AttestScreen #attest-check-detail { height: auto; max-height: 8; padding: 0 1;
        border-top: solid $secondary; }
    """

    def __init__(
        self,
        *,
        platform: Platform | None = None,
        nonce_source: Callable[[int], bytes] = os.urandom,
        step_delay: float = 0.12,
        source: str = "",
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """`now` is the verification time when the form leaves it empty (the real clock: the
        header's clock may be frozen for screenshots, certificates are not)."""
        super().__init__()
        self.now = now
        if platform is not None:
            self.platform_override = PlatformHolder.of(platform)
        self.nonce_source = nonce_source
        self.step_delay = step_delay
        self.initial_source = source
        self.generated_nonce = ""
        self.request: AttestRequest | None = None
        self.report: VerificationReport | None = None
        self.document: bytes | None = None
        self._pending: list[int] = []
        self._delay = step_delay

    def compose_body(self) -> ComposeResult:
        yield FormGrid(FIELDS, prefix="attest", id="attest-form")
        with Horizontal(id="attest-bar"):
            yield Button("Attest", id="attest-go", variant="primary", compact=True)
            yield Static("", id="attest-enclaves")
        yield Static("", id="attest-status")
        with TabbedContent(id="attest-tabs"):
            with TabPane("Checks", id="tab-checks"):
                yield DataTable(id="attest-checks", cursor_type="row")
                yield Static("", id="attest-check-detail")
            with TabPane("Fields", id="tab-fields"):
                yield DataTable(id="attest-fields", cursor_type="row")
            with TabPane("PCRs", id="tab-pcrs"):
                yield DataTable(id="attest-pcrs", cursor_type="row")
            with TabPane("Certificates", id="tab-certs"):
                yield DataTable(id="attest-certs", cursor_type="row")
        yield ReturningPrompt(
            "#attest-checks", placeholder="export the document to…", id="attest-export"
        )

    def on_mount(self) -> None:
        self.query_one("#attest-checks", DataTable).add_columns("STATUS", "CHECK", "EVIDENCE")
        self.query_one("#attest-fields", DataTable).add_columns("FIELD", "VALUE")
        self.query_one("#attest-pcrs", DataTable).add_columns("PCR", "VALUE", "")
        self.query_one("#attest-certs", DataTable).add_columns(
            "POSITION", "SUBJECT", "NOT BEFORE", "NOT AFTER", "SHA-256"
        )
        self.field("source").value = self.initial_source
        self.action_new_nonce()
        self.field("source").focus()
        self.remember_form()
        self._status("Choose an enclave or a document file, then press enter (or ctrl+s).")
        self._list_enclaves()

    def leave_form(self) -> None:
        self.nd_app.go_back()

    def field(self, key: str) -> Input:
        return self.query_one(f"#attest-{key}", Input)

    def show_error(self, markup: str) -> None:
        self._status(markup)

    def _status(self, markup: str) -> None:
        self.query_one("#attest-status", Static).update(markup)

    # -- enclaves for the source field -------------------------------------------------------
    def _list_enclaves(self) -> None:
        def listed() -> list[str]:
            return running_enclaves(self.platforms.get())

        self.run_job(listed, self._show_enclaves, failed=self._status, group="attest-list")

    def _show_enclaves(self, names: list[str]) -> None:
        source = self.field("source")
        source.suggester = SuggestFromList(names, case_sensitive=False)
        shown = ", ".join(names) if names else "none (run one in :enclaves, or name a file)"
        self.query_one("#attest-enclaves", Static).update(f"running enclaves: {escape(shown)}")
        if not source.value and names:
            source.value = names[0]
            self.remember_form("attest-source")

    # -- actions -------------------------------------------------------------------------------
    def action_new_nonce(self) -> None:
        self.generated_nonce = self.nonce_source(NONCE_BYTES).hex()
        self.field("nonce").value = self.generated_nonce
        self.remember_form("attest-nonce")

    def action_form(self) -> None:
        self.field("source").focus()

    def action_submit(self) -> None:
        self.action_attest()

    @on(Input.Submitted, "#attest-form Input")
    @on(Button.Pressed, "#attest-go")
    def action_attest(self) -> None:
        values = {key: self.field(key).value for key, _, _ in FIELDS}
        try:
            request = parse_request(
                values["source"],
                values["nonce"],
                values["user-data"],
                values["expect"],
                values["trust"],
                values["at"],
            )
        except NitrodeckError as error:
            self._status(error_markup(error))
            return
        self.request = request
        self.remember_form()
        self._clear()
        where = f"file {request.source}" if request.from_file else f"enclave {request.source}"
        self._status(f"fetching the document from {escape(where)}…")
        self._run(request)

    def _clear(self) -> None:
        for table in self.query(DataTable):
            table.clear()
        self.query_one("#attest-check-detail", Static).update("")
        self.report = self.document = None
        self._pending = []

    def _run(self, request: AttestRequest) -> None:
        def attest() -> tuple[bytes, VerificationReport]:
            platform = self._platform(request)
            attested = attest_and_verify(platform, request, self.now(), self.platforms.home)
            return attested.document, attested.report

        self.run_job(attest, lambda got: self._show(*got), failed=self._status, group="attest")

    def _platform(self, request: AttestRequest) -> Platform | None:
        """The platform that fetches (and names the roots); a file verifies without one."""
        try:
            return self.platforms.get()
        except NitrodeckError:
            if request.from_file:
                return None
            raise

    def _show(self, document: bytes, report: VerificationReport) -> None:
        self.document, self.report = document, report
        described = describe_document(parse_document(document))
        expected = self.request.expected_pcrs if self.request else {}
        self._fill("#attest-fields", field_rows(described))
        self._fill("#attest-pcrs", pcr_rows(described, expected))
        self._fill("#attest-certs", certificate_rows(described))
        self._status(f"{len(document)} bytes from {escape(described['module_id'])}: verifying…")
        self._pending = list(range(len(report.checks)))
        # The checks land one by one, but all of them within REVEAL_BUDGET seconds.
        self._delay = min(self.step_delay, REVEAL_BUDGET / max(1, len(report.checks)))
        self.query_one("#attest-checks", DataTable).focus()
        self._next_check()

    def _fill(self, selector: str, rows: Sequence[tuple[str, ...]]) -> None:
        table = self.query_one(selector, DataTable)
        for row in rows:
            table.add_row(*row)

    def _next_check(self) -> None:
        """Add the next check's row; the verdict comes once the last one is in."""
        report = self.report
        if report is None:
            return
        if not self._pending:
            style = "b green" if report.ok else "b red"
            self._status(f"[{style}]{escape(report.verdict)}[/]")
            return
        check = report.checks[self._pending.pop(0)]
        table = self.query_one("#attest-checks", DataTable)
        status = Text(STATUS_MARK[check.status], style=STATUS_STYLE[check.status])
        first = check.evidence.splitlines()[0] if check.evidence else ""
        shown = first if len(first) <= EVIDENCE_WIDTH else first[: EVIDENCE_WIDTH - 1] + "…"
        table.add_row(status, check.name, shown, key=check.name)
        if self._delay > 0:
            self.set_timer(self._delay, self._next_check)
        else:
            self._next_check()

    @on(DataTable.RowHighlighted, "#attest-checks")
    def _check_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.report is None or event.row_key.value is None:
            return
        check = self.report.check(event.row_key.value)
        text = f"[b]{escape(check.name)}[/]: {escape(check.evidence)}"
        if check.hint:
            text += f"\n[b]hint:[/] {escape(check.hint)}"
        self.query_one("#attest-check-detail", Static).update(text)

    # -- export --------------------------------------------------------------------------------
    def default_export_path(self) -> Path:
        module = self.report.document.module_id if self.report else "document"
        stamp = self.report.document.timestamp_ms if self.report else 0
        return Path.cwd() / f"attestation-{module}-{stamp}.cose"

    def action_export(self) -> None:
        if self.document is None:
            self.notify("Attest first: there is no document to export.", severity="warning")
            return
        self.query_one(ReturningPrompt).open(str(self.default_export_path()))

    @on(Input.Submitted, "#attest-export")
    def _export(self, event: Input.Submitted) -> None:
        event.stop()
        bar = self.query_one(ReturningPrompt)
        bar.close()
        if self.document is None or not event.value.strip():
            return
        path = Path(event.value.strip()).expanduser()
        try:
            path.write_bytes(self.document)
        except OSError as error:
            self.notify(f"cannot write {path}: {error.strerror}", severity="error")
            return
        self.notify(f"exported {len(self.document)} bytes to {path}")


def make_screen() -> AttestScreen:
    return AttestScreen()
