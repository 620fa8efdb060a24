"""The `:` prompt (k9s' command buffer): type a view alias, enter runs it, esc cancels."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input


class CommandBar(Input):
    DEFAULT_CSS = """
    CommandBar { height: 1; border: none; padding: 0 1; display: none;
        background: $panel; }
    CommandBar.-open { display: block; }
    CommandBar:focus { border: none; }
    """
    BINDINGS = [Binding("escape", "close", "Cancel", id="command.cancel")]

    class Run(Message):
        def __init__(self, command: str) -> None:
            super().__init__()
            self.command = command

    def __init__(self, words: Iterable[str]) -> None:
        super().__init__(
            placeholder=":command (enclaves, images, pool, attest, kms, doctor, q)",
            suggester=SuggestFromList(sorted(words), case_sensitive=False),
            id="command-bar",
        )

    def open(self) -> None:
        self.value = ""
        self.add_class("-open")
        self.focus()

    def action_close(self) -> None:
        self.value = ""
        self.remove_class("-open")
        self.screen.focus_next()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        command = event.value.strip().removeprefix(":").strip()
        self.action_close()
        if command:
            self.post_message(self.Run(command))
