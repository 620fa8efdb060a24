"""The doctor view: every preflight check with pass/fail, what was seen and the fix.

The checks come from the app's `check_providers` (core.doctor's basic checks, then the
platform's own `preflight()`) and run in a worker thread; `r` runs them again. A cell the
table cuts is whole in the pane under it, for the highlighted check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from core.doctor import run_checks
from tui.screens.list_screen import ListScreen
from tui.widgets.poller import Poller


class DoctorScreen(ListScreen):
    crumb = "doctor"
    ABOUT = "Checks that this machine can run nitrodeck; a failed check says how to fix it."
    COLUMNS = (("check", "CHECK"), ("result", "RESULT"), ("detail", "DETAIL"), ("fix", "FIX"))
    NARROW = ("check", "result", "detail")
    REFRESH = 60.0
    BINDINGS = [Binding("r", "rerun", "Re-run", id="doctor.rerun")]
    DEFAULT_CSS = """
    DoctorScreen #list-table { height: 2fr; }
    DoctorScreen #doctor-panel { height: 1fr; border-top: solid $primary; padding: 0 1; }
    """

    def compose_detail(self) -> ComposeResult:
        with VerticalScroll(id="doctor-panel"):
            yield Static("", id="doctor-detail")

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._detail()

    def _detail(self) -> None:
        key = self.table.cursor_key
        cells = self.table.all_rows.get(key) if key is not None else None
        if cells is None:
            return
        name, result, evidence, fix = cells
        text = Text.assemble((f"{name}: {result}", "bold"), "\n", evidence)
        if fix:
            text.append_text(Text.assemble("\n", ("fix: ", "bold"), fix))
        self.query_one("#doctor-detail", Static).update(text)

    def copy_value(self, key: str) -> str:
        """y on a check: what it saw and its fix, whole."""
        _name, _result, evidence, fix = self.table.all_rows[key]
        return f"{evidence}\nfix: {fix}" if fix else evidence

    def cell_style(self, column: str, text: str) -> str | None:
        if column != "result":
            return None
        return {"PASS": "bold green", "WARN": "bold yellow"}.get(text, "bold red")

    def fetch_rows(self) -> Mapping[str, Sequence[str]]:
        checks = run_checks(self.nd_app.check_providers)
        return {
            check.name: (check.name, check.status.value.upper(), check.evidence, check.hint)
            for check in checks
        }

    def show_rows(self, rows: Mapping[str, Sequence[str]]) -> None:
        super().show_rows(rows)
        failed = sum(cells[1] == "FAIL" for cells in rows.values())
        self.sub_title = f"{failed} failed" if failed else "all checks passed"
        self._detail()

    def action_rerun(self) -> None:
        self.query_one("#list-poller", Poller).poll_now()


def make_screen() -> DoctorScreen:
    return DoctorScreen()
