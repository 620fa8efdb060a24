"""The enclaves view: the live table (k9s' pods), describe, run, console, history, terminate.

Rows come from `Platform.describe_enclaves()` in the poller's thread worker and are applied by
key. Run and terminate change the machine: both are dangerous (gone in `--read-only`), and
terminate asks first, naming the enclave.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from core.errors import NitrodeckError
from core.platform import rules
from core.platform.base import EnclaveInfo, Platform, RunRequest
from tui.bindings import dangerous
from tui.engine.errors import error_markup
from tui.presenters.long_values import short
from tui.screens.list_screen import ListScreen
from tui.widgets.poller import Poller

if TYPE_CHECKING:
    from core.flows.run import RunContext

COLUMNS = (
    ("name", "NAME"),
    ("id", "ENCLAVE ID"),
    ("cid", "CID"),
    ("cpus", "CPUS"),
    ("memory", "MEMORY"),
    ("state", "STATE"),
    ("debug", "DEBUG"),
    ("pcr0", "PCR0"),
    ("uptime", "UPTIME"),
)


def format_uptime(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "-"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def enclave_cells(info: EnclaveInfo, uptime: float | None) -> tuple[str, ...]:
    pcr0 = info.measurements.get("PCR0", "")
    return (
        info.name or "-",
        info.enclave_id,
        str(info.cid),
        ",".join(str(c) for c in info.cpu_ids),
        f"{info.memory_mib} MiB",
        info.state,
        "yes" if info.debug else "no",
        short(pcr0) if pcr0 else "-",
        format_uptime(uptime),
    )


class EnclavesScreen(ListScreen):
    crumb = "enclaves"
    ABOUT = (
        "Running enclaves, refreshed every 2 s. d describes, r runs one from an image, "
        "l or enter follows a debug enclave's console, h lists saved consoles, "
        "ctrl+d terminates (after asking)."
    )
    COLUMNS = COLUMNS
    NARROW = ("name", "cid", "cpus", "memory", "state", "debug", "pcr0", "uptime")
    EMPTY = "no enclaves: r runs one from an image (b in :images builds one)"
    REFRESH = 2.0
    danger_question = "Terminate this enclave?"
    BINDINGS = [
        Binding("d", "describe", "Describe", id="enclaves.describe"),
        dangerous("r", "run", "Run", "run an enclave from an image (a form)"),
        Binding("l", "console", "Console", id="enclaves.console"),
        Binding("h", "history", "History", id="enclaves.history"),
        dangerous("ctrl+d", "danger", "Terminate", "terminate the enclave under the cursor"),
    ]
    DEFAULT_CSS = """
    EnclavesScreen #describe { height: auto; max-height: 50%; border: round $secondary;
        padding: 0 1; display: none; overflow-y: auto; }
    EnclavesScreen #describe.-open { display: block; }
    """

    def __init__(self, *, image_dir: Path | None = None):
        super().__init__()
        self.image_dir = image_dir
        self.infos: dict[str, EnclaveInfo] = {}

    def compose_detail(self) -> ComposeResult:
        yield Static("", id="describe")

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def platform(self) -> Platform:
        return self.platforms.get()

    def fetch_rows(self) -> Mapping[str, Sequence[str]]:
        """Thread worker: the platform's enclaves as rows keyed by enclave id."""
        infos = self.platform.describe_enclaves()
        now = self.nd_app.clock().timestamp()
        rows = {}
        for info in infos:
            start = info.started_at
            rows[info.enclave_id] = enclave_cells(info, None if start is None else now - start)
        self.infos = {info.enclave_id: info for info in infos}
        return rows

    def show_rows(self, rows: Mapping[str, Sequence[str]]) -> None:
        super().show_rows(rows)
        if self.query_one("#describe").has_class("-open"):
            self._describe()

    def refresh_now(self) -> None:
        self.query_one("#list-poller", Poller).poll_now()

    def cell_style(self, column: str, text: str) -> str | None:
        if column == "state":
            return "bold green" if text == "RUNNING" else "bold yellow"
        if column == "debug" and text == "yes":
            return "yellow"
        return None

    # -- describe ------------------------------------------------------------------------------
    def selected(self) -> EnclaveInfo | None:
        key = self.table.cursor_key
        return None if key is None else self.infos.get(key)

    def action_describe(self) -> None:
        panel = self.query_one("#describe", Static)
        panel.toggle_class("-open")
        if panel.has_class("-open"):
            self._describe()

    def _describe(self) -> None:
        info = self.selected()
        panel = self.query_one("#describe", Static)
        if info is None:
            panel.update("no enclave selected")
            return
        import json

        from rich.json import JSON

        from core.platform.shapes import describe_json

        text = json.dumps(describe_json(info, metadata=True), default=str)
        panel.update(JSON(text, indent=2))

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        if self.query_one("#describe").has_class("-open"):
            self._describe()

    # -- console -------------------------------------------------------------------------------
    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_console()

    def action_console(self) -> None:
        info = self.selected()
        if info is None:
            self.notify("No enclave selected.", severity="warning")
            return
        try:
            rules.check_console_allowed(info)
        except NitrodeckError as error:
            self.notify(error_markup(error), title="no console", severity="error")
            return
        from tui.engine.console_source import open_console

        open_console(self, info.enclave_id, info.name or info.enclave_id, follow=True)

    def action_history(self) -> None:
        from tui.screens.console_history import ConsoleHistoryScreen

        self.app.push_screen(ConsoleHistoryScreen())

    # -- run -------------------------------------------------------------------------------------
    def run_context(self) -> RunContext:
        from core.flows.run import pool_now

        return pool_now(self.platform)

    def action_run(self) -> None:
        if self.nd_app.read_only:
            return
        from tui.screens.run_form import RunForm, find_images  # the form loads on first use

        images = find_images(self.image_dir or self.platforms.home.images_dir)

        def submitted(request: RunRequest | None) -> None:
            if request is not None:
                self.notify(f"starting {request.eif_path.name}…", markup=False)
                self._run(request)

        self.app.push_screen(RunForm(images, self.run_context), submitted)

    def _run(self, request: RunRequest) -> None:
        from core.flows.run import RunOutcome, run_enclave

        def started(outcome: RunOutcome) -> None:
            self._done(outcome.summary())

        self.run_job(
            lambda: run_enclave(self.platform, request),
            started,
            failed=lambda markup: self._failed("run failed", markup),
            group="enclave-run",
            exclusive=False,
        )

    # -- terminate -------------------------------------------------------------------------------
    def danger_target(self) -> str | None:
        info = self.selected()
        if info is None:
            return None
        return f"{info.name or '-'} ({info.enclave_id})"

    def perform_danger(self, target: str) -> None:
        self._terminate(target.rsplit("(", 1)[-1].rstrip(")"))

    def _terminate(self, enclave_id: str) -> None:
        def terminated(done: Sequence[EnclaveInfo]) -> None:
            self._done(f"terminated {', '.join(i.name or i.enclave_id for i in done)}")

        self.run_job(
            lambda: self.platform.terminate_enclave(enclave_id=enclave_id),
            terminated,
            failed=lambda markup: self._failed("terminate failed", markup),
            group="enclave-terminate",
            exclusive=False,
        )

    def _done(self, message: str) -> None:
        self.notify(message, markup=False)
        self.refresh_now()
        self.refresh_header()

    def _failed(self, title: str, markup: str) -> None:
        self.notify(markup, title=title, severity="error", timeout=12)
        self.refresh_now()
        self.refresh_header()


def make_screen() -> EnclavesScreen:
    return EnclavesScreen()
