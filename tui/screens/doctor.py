"""The doctor view: every preflight check with pass/fail, what was seen and the fix.

The checks come from the app's `check_providers` (core.doctor's basic checks now; the
platform adds its preflight checks later) and run in a worker thread; `r` runs them again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.binding import Binding

from core.doctor import run_checks
from tui.screens.list_screen import ListScreen
from tui.widgets.poller import Poller


class DoctorScreen(ListScreen):
    crumb = "doctor"
    ABOUT = "Checks that this machine can run nitrodeck; a failed check says how to fix it."
    COLUMNS = (("check", "CHECK"), ("result", "RESULT"), ("detail", "DETAIL"), ("fix", "FIX"))
    REFRESH = 60.0
    BINDINGS = [Binding("r", "rerun", "Re-run", id="doctor.rerun")]

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

    def action_rerun(self) -> None:
        self.query_one("#list-poller", Poller).poll_now()


def make_screen() -> DoctorScreen:
    return DoctorScreen()
