"""The landing view: every view with its aliases; enter opens one (k9s' `:aliases`)."""

from __future__ import annotations

from textual import on
from textual.widgets import DataTable

from tui.engine.registry import VIEWS
from tui.screens.list_screen import ListScreen


class HomeScreen(ListScreen):
    crumb = "home"
    ABOUT = "Pick a view with enter, or type : and its name (e.g. :doctor)."
    COLUMNS = (("view", "VIEW"), ("aliases", "ALIASES"), ("about", "ABOUT"), ("state", "STATE"))

    def on_mount(self) -> None:
        self.show_rows(
            {
                view.name: (
                    view.name,
                    ", ".join(view.aliases),
                    view.description,
                    "ready" if view.ready else "coming",
                )
                for view in VIEWS
                if view.name != "home"
            }
        )
        self.table.focus()

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.nd_app.run_command(str(event.row_key.value))


def make_screen() -> HomeScreen:
    return HomeScreen()
