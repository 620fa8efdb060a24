"""`?`: the keys of the screen underneath, built from its live bindings (k9s' help view)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; height: auto; max-height: 90%; padding: 1 2;
        border: thick $primary; background: $surface; }
    HelpScreen #help-title { text-style: bold; margin-bottom: 1; }
    HelpScreen #help-about { width: 100%; margin-bottom: 1; }
    HelpScreen DataTable { height: auto; }
    HelpScreen #help-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]

    def __init__(self, title: str, keys: Sequence[tuple[str, str]], about: str = "") -> None:
        """`keys` are (key as displayed, what it does) pairs."""
        super().__init__()
        self.title_text = title
        self.keys = list(keys)
        self.about = about

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Label(f"Help: {self.title_text}", id="help-title")
            if self.about:
                yield Label(self.about, id="help-about")
            table: DataTable[str] = DataTable(id="help-keys", cursor_type="none")
            table.add_columns("key", "action")
            table.add_rows(self.keys)
            yield table
            yield Label("esc or ? closes", id="help-hint")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def describe(binding: Binding) -> str:
    return binding.description or binding.action.replace("_", " ")
