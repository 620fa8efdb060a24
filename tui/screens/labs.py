"""The Labs view: the lab library with progress; start, hint, check and reset a lab.

Every action runs `core.labs.runner.LabRunner` in-process from a worker thread: a lab's work is
handed the lab's `Home`, so the app's own home and environment never change meanwhile. The list
only reads the progress files. The panel shows the highlighted lab (symptom, goal, steps, hints
taken) and the last check's probes. The learner works in the lab's own home: from a shell (the
panel says how) or from the app, switching into it with `:ctx`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from core.home import Home
from core.labs.runner import LabRunner, LabStatus
from core.labs.text import describe, verdict
from tui.bindings import dangerous
from tui.screens.confirm import ConfirmScreen
from tui.screens.list_screen import ListScreen
from tui.widgets.poller import Poller


class LabsScreen(ListScreen):
    crumb = "labs"
    ABOUT = (
        "Guided labs: each breaks something on purpose in its own simulator and local KMS. "
        "s starts one, h gives the next hint, c checks the real state, ctrl+d resets it."
    )
    COLUMNS = (("number", "#"), ("name", "LAB"), ("state", "STATE"), ("title", "TITLE"))
    REFRESH = 30.0
    danger_question = "Reset this lab (stop its enclaves and KMS, delete its home and progress)?"
    BINDINGS = [
        dangerous("s", "start", "Start"),
        Binding("h", "hint", "Hint", id="labs.hint"),
        Binding("c", "check", "Check", id="labs.check"),
        dangerous("ctrl+d", "danger", "Reset"),
    ]
    DEFAULT_CSS = """
    LabsScreen #list-table { height: 1fr; max-height: 12; }
    LabsScreen #lab-panel { height: 2fr; border-top: solid $primary; }
    LabsScreen #lab-text { padding: 0 1; }
    """

    def __init__(self, home: Home | None = None) -> None:
        super().__init__()
        self._home = home
        self.statuses: dict[str, LabStatus] = {}
        self.notes: dict[str, str | Text] = {}
        """What the last hint or check said, per lab (shown under its description)."""

    @property
    def runner(self) -> LabRunner:
        """Labs under the app's own home (given one: that home), wherever the app works now."""
        return LabRunner(self._home or self.platforms.own_home)

    def cell_style(self, column: str, text: str) -> str | None:
        if column != "state":
            return None
        return {"solved": "bold green", "started": "bold yellow"}.get(text, "dim")

    def compose_detail(self) -> ComposeResult:
        with VerticalScroll(id="lab-panel"):
            yield Static("", id="lab-text")

    def fetch_rows(self) -> Mapping[str, Sequence[str]]:
        self.statuses = {s.lab.name: s for s in self.runner.overview()}
        return {
            s.lab.name: (str(n), s.lab.name, s.progress.state, s.lab.title)
            for n, s in enumerate(self.statuses.values(), 1)
        }

    def show_rows(self, rows: Mapping[str, Sequence[str]]) -> None:
        super().show_rows(rows)
        solved = sum(cells[2] == "solved" for cells in rows.values())
        self.sub_title = f"{solved}/{len(rows)} solved"
        self._show(self.table.cursor_key)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(None if event.row_key.value is None else str(event.row_key.value))

    def _show(self, name: str | None) -> None:
        status = self.statuses.get(name or "")
        if status is None:
            return
        text = Text(describe(status))
        note = self.notes.get(status.lab.name)
        if note:  # the last hint or check first: it is what the learner is waiting for
            text = Text.assemble(note, "\n", ("─" * 20, "dim"), "\n", text)
        self.query_one("#lab-text", Static).update(text)
        self.query_one("#lab-panel", VerticalScroll).scroll_home(animate=False)

    # actions ----------------------------------------------------------------------------------
    def action_start(self) -> None:
        name = self.table.cursor_key
        if name is None or self.nd_app.read_only:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.notes[name] = "starting: building images, running enclaves, making keys…"
                self._show(name)
                self._run(name, lambda: self._started(name))

        question = "Start this lab (a fresh home; other labs' enclaves and KMS stop)?"
        self.app.push_screen(ConfirmScreen(question, name), answered)

    def _started(self, name: str) -> str:
        self.runner.start(name)
        return "started: the symptom is below; h for a hint, c to check your fix"

    def action_hint(self) -> None:
        name = self.table.cursor_key
        if name is not None:
            self._run(name, lambda: self._hinted(name))

    def _hinted(self, name: str) -> str:
        hints = self.runner.hint(name)
        return "\n".join(hints[-1:]) or "no hints"

    def action_check(self) -> None:
        name = self.table.cursor_key
        if name is not None:
            self.notes[name] = "checking the lab's real state…"
            self._show(name)
            self._run(name, lambda: verdict(self.runner.check(name)))

    def perform_danger(self, target: str) -> None:
        self._run(target, lambda: f"lab {self.runner.reset(target).name} reset")

    def _run(self, name: str, job: Callable[[], str]) -> None:
        self.run_job(
            job,
            lambda note: self._done(name, note),
            failed=lambda markup: self._done(name, Text.from_markup(markup)),
            group="labs",
        )

    def _done(self, name: str, note: str | Text) -> None:
        self.notes[name] = note
        self.query_one("#list-poller", Poller).poll_now()
        self._show(name)


def make_screen() -> LabsScreen:
    return LabsScreen()
