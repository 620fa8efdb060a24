"""The generic list view (k9s' browser): a `FilterTable`, a `/` filter, an optional poller.

A subclass names its `COLUMNS` and either implements `fetch_rows` (called in a thread worker
every `REFRESH` seconds, never overlapping) or calls `table.set_rows` itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui.screens.base import NitrodeckScreen
from tui.widgets.filter_bar import FilterBar
from tui.widgets.filter_table import FilterTable
from tui.widgets.poller import Poller


class ListScreen(NitrodeckScreen):
    COLUMNS: ClassVar[Sequence[tuple[str, str]]] = ()
    REFRESH: ClassVar[float | None] = None
    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/", priority=True, id="list.filter")
    ]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="list-status")
        yield FilterTable(self.COLUMNS, cell_style=self.cell_style, id="list-table")
        yield from self.compose_detail()
        yield FilterBar()
        if self.REFRESH is not None:
            yield Poller(self.fetch_rows, self.show_rows, interval=self.REFRESH, id="list-poller")

    def cell_style(self, column: str, text: str) -> str | None:
        """A Rich style for one cell (e.g. FAIL in red); the text itself stays as given."""
        return None

    def compose_detail(self) -> ComposeResult:
        """Widgets under the table (e.g. a describe panel); none by default."""
        yield from ()

    @property
    def table(self) -> FilterTable:
        return self.query_one("#list-table", FilterTable)

    def fetch_rows(self) -> Mapping[str, Sequence[str]]:
        """Runs in a worker thread; subclasses with a REFRESH return `{key: cells}`."""
        return {}

    def show_rows(self, rows: Mapping[str, Sequence[str]]) -> None:
        self.table.set_rows(rows)
        self._show_status()

    def _show_status(self) -> None:
        table = self.table
        shown, total = table.row_count, len(table.all_rows)
        text = f"{self.crumb} [{total}]"
        if table.filter_text:
            text = f"{self.crumb} /{table.filter_text} [{shown}/{total}]"
        self.query_one("#list-status", Static).update(text)

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    @on(FilterBar.FilterChanged)
    def _filter_changed(self, event: FilterBar.FilterChanged) -> None:
        self.table.set_filter(event.text)
        self._show_status()

    @on(FilterBar.FilterClosed)
    def _filter_closed(self) -> None:
        self.table.focus()

    @on(Poller.Failed)
    def _poll_failed(self, event: Poller.Failed) -> None:
        self.query_one("#list-status", Static).update(
            f"{self.crumb}: refresh failed: {event.error}"
        )

    def danger_target(self) -> str | None:
        return self.table.cursor_key
