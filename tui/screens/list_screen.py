"""The generic list view (k9s' browser): a `FilterTable`, a `/` filter, an optional poller.

A subclass names its `COLUMNS` and either implements `fetch_rows` (called in a thread worker
every `REFRESH` seconds, never overlapping) or calls `table.set_rows` itself. Below `WIDE`
columns the table shows only `NARROW` (NAME, STATE and the key fields); what it cuts is in the
view's detail pane. `y` copies the highlighted row's `copy_value` to the operator's clipboard.
An empty list says what would fill it (`EMPTY`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui.presenters.long_values import short
from tui.screens.base import NitrodeckScreen
from tui.widgets.filter_bar import FilterBar
from tui.widgets.filter_table import FilterTable
from tui.widgets.poller import Poller

WIDE = 100
"""Terminal columns from which a list shows every column."""


class ListScreen(NitrodeckScreen):
    COLUMNS: ClassVar[Sequence[tuple[str, str]]] = ()
    NARROW: ClassVar[Sequence[str] | None] = None
    """The columns kept below `WIDE` terminal columns (None: all of them)."""
    EMPTY: ClassVar[str] = ""
    """What an empty list says: what would fill it, and the key or command that does."""
    REFRESH: ClassVar[float | None] = None
    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/", priority=True, id="list.filter"),
        Binding("y", "copy", "Copy", id="list.copy"),
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
        elif self.holds_nothing() and self.EMPTY:
            text = f"{text}  {self.EMPTY}"
        self.query_one("#list-status", Static).update(Text(text))

    def holds_nothing(self) -> bool:
        """Whether the list holds nothing the operator made (then `EMPTY` says how to)."""
        return not self.table.all_rows

    def on_resize(self, event: events.Resize) -> None:
        narrow = event.size.width < WIDE and self.NARROW is not None
        self.table.show_columns(self.NARROW if narrow else None)

    # -- copy ----------------------------------------------------------------------------------
    def copy_value(self, key: str) -> str:
        """The whole value `y` copies for the row `key` (an id, an ARN, a PCR): the key."""
        return key

    def action_copy(self) -> None:
        """y: the highlighted row's value to the operator's own clipboard (OSC 52: the terminal
        does it, so it works over SSH too)."""
        key = self.table.cursor_key
        if key is None:
            self.notify("Nothing highlighted to copy.", severity="warning")
            return
        value = self.copy_value(key)
        self.app.copy_to_clipboard(value)
        self.notify(f"copied {short(value, 40)}", markup=False)

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
