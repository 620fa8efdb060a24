"""A `DataTable` that takes whole snapshots of rows and applies them as by-key deltas.

Live views hand it `{key: cells}` on every refresh; it adds, updates and removes only what
changed, inside one `batch_update`, so the cursor, scroll position and selection survive a
refresh (dolphie's processlist, k9s' RowEvents). The `/` filter hides rows the same way.
`show_columns` narrows the table to the columns that matter most (an 80-column terminal);
rows keep every cell, so widening again shows the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

Cells = tuple[str, ...]
CellStyle = Callable[[str, str], str | None]
"""(column key, cell text) -> a Rich style for that cell, or None for the default."""


@dataclass
class DeltaStats:
    """What the last sync did, row by row (tests assert nothing was rebuilt)."""

    added: int = 0
    updated: int = 0
    removed: int = 0


def matches(cells: Cells, needle: str) -> bool:
    """Case-insensitive substring match over every cell."""
    return not needle or any(needle in cell.lower() for cell in cells)


class FilterTable(DataTable[str | Text]):
    DEFAULT_CSS = "FilterTable { height: 1fr; }"

    def __init__(
        self,
        columns: Sequence[tuple[str, str]],
        *,
        cell_style: CellStyle | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own name for it
    ) -> None:
        """`columns` are (key, label) pairs; row cells come in the same order. Cells are plain
        text (the filter matches that); `cell_style` colours them without changing the text."""
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._cell_style = cell_style
        self._column_keys = [key for key, _ in columns]
        self._labels = dict(columns)
        self._visible = list(self._column_keys)
        self._rows: dict[str, Cells] = {}
        self._shown: dict[str, Cells] = {}
        self.filter_text = ""
        self.last_delta = DeltaStats()

    def on_mount(self) -> None:
        self._add_columns()
        self._sync()

    def _add_columns(self) -> None:
        for key in self._visible:
            self.add_column(self._labels[key], key=key)

    @property
    def visible_columns(self) -> list[str]:
        return list(self._visible)

    def show_columns(self, keys: Sequence[str] | None) -> None:
        """Show only `keys` (in the table's order), or every column for None."""
        wanted = [key for key in self._column_keys if keys is None or key in keys]
        if wanted == self._visible:
            return
        self._visible = wanted
        if not self.is_mounted:
            return
        cursor_key = self.cursor_key
        self.clear(columns=True)
        self._shown = {}
        self._add_columns()
        self._sync()
        if cursor_key is not None and cursor_key in self._shown:
            self.move_cursor(row=self.get_row_index(cursor_key), animate=False)

    def _cells(self, cells: Cells) -> list[tuple[str, str]]:
        """(column key, text) of the shown columns."""
        return [(k, c) for k, c in zip(self._column_keys, cells, strict=True) if k in self._visible]

    def on_idle(self) -> None:
        """Textual 8.2.8: a row painted between `add_row` and DataTable's idle-time column
        sizing keeps its narrow cached rendering (the cache key lacks the column widths).
        Once the sizing has run, drop the render caches so every row is painted at full width.
        """
        if self._require_update_dimensions:
            self.call_after_refresh(self._repaint_rows)

    def _repaint_rows(self) -> None:
        self._clear_caches()
        self.refresh()

    @property
    def all_rows(self) -> Mapping[str, Cells]:
        return self._rows

    @property
    def shown_keys(self) -> list[str]:
        """Keys of the visible rows in display order."""
        return [str(row.key.value) for row in self.ordered_rows]

    @property
    def cursor_key(self) -> str | None:
        if not self._shown or self.cursor_row < 0 or self.cursor_row >= self.row_count:
            return None
        return str(self.ordered_rows[self.cursor_row].key.value)

    def set_rows(self, rows: Mapping[str, Sequence[str]]) -> None:
        """Replace the data set; the table applies only the differences."""
        width = len(self._column_keys)
        for key, cells in rows.items():
            if len(cells) != width:
                raise ValueError(f"row {key!r} has {len(cells)} cells, the table {width} columns")
        self._rows = {key: tuple(cells) for key, cells in rows.items()}
        self._sync()

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self._sync()

    def _sync(self) -> None:
        if not self.is_mounted:
            return
        needle = self.filter_text.lower()
        wanted = {key: cells for key, cells in self._rows.items() if matches(cells, needle)}
        stats = DeltaStats()
        cursor_key, cursor_row = self.cursor_key, self.cursor_row
        with self.app.batch_update():
            for key in [key for key in self._shown if key not in wanted]:
                self.remove_row(key)
                del self._shown[key]
                stats.removed += 1
            for key, cells in wanted.items():
                old = self._shown.get(key)
                if old is None:
                    self.add_row(*(self._styled(k, c) for k, c in self._cells(cells)), key=key)
                    stats.added += 1
                elif old != cells:
                    for column, before, after in zip(self._column_keys, old, cells, strict=True):
                        if before != after and column in self._visible:
                            self.update_cell(key, column, self._styled(column, after))
                    stats.updated += 1
                self._shown[key] = cells
            if self.shown_keys != list(wanted):
                self._restore_order(list(wanted.values()), cursor_key)
        self.last_delta = stats
        self._announce_new_row(cursor_key, cursor_row)

    def _announce_new_row(self, before_key: str | None, before_row: int) -> None:
        """Another row under an unmoved cursor (a filter or a refresh removed the rows above
        it) is a highlight too: DataTable only announces moves, so a detail pane kept showing
        a row no longer listed."""
        key = self.cursor_key
        if key is not None and key != before_key and self.cursor_row == before_row:
            row_key = self.ordered_rows[self.cursor_row].key
            self.post_message(self.RowHighlighted(self, self.cursor_row, row_key))

    def _styled(self, column: str, text: str) -> Text:
        """Cells are Text, never markup: a `[` in an image name or a path stays literal."""
        style = self._cell_style(column, text) if self._cell_style else None
        return Text(text, style=style or "", end="", no_wrap=True)

    def _restore_order(self, ordered: list[Cells], cursor_key: str | None) -> None:
        """Re-shown rows were appended: put them back in source order, cursor on its row.

        Rows with identical cells are interchangeable on screen, so ordering by cells suffices.
        """
        rank: dict[Cells, int] = {}
        for index, cells in enumerate(ordered):
            rank.setdefault(cells, index)
        self.sort(key=lambda row: rank.get(tuple(str(cell) for cell in row), len(rank)))
        if cursor_key is not None and cursor_key in self._shown:
            self.move_cursor(row=self.get_row_index(cursor_key), animate=False)
