"""The `/` filter line of a list (k9s' filter buffer): type to narrow, enter keeps, esc clears."""

from __future__ import annotations

from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from tui.widgets.prompt_bar import PromptBar


class FilterBar(PromptBar):
    BINDINGS = [Binding("escape", "clear", "Clear filter", id="filter.clear")]

    class FilterChanged(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class FilterClosed(Message):
        """The user left the bar (enter keeps the filter, esc cleared it)."""

    def __init__(self) -> None:
        super().__init__(placeholder="filter…", id="filter-bar")

    def action_clear(self) -> None:
        self.value = ""
        self.remove_class("-open")
        self.post_message(self.FilterClosed())

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.FilterChanged(event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.value:
            self.remove_class("-open")
        self.post_message(self.FilterClosed())
