"""The `:` prompt (k9s' command buffer): type a view alias, enter runs it, esc cancels."""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.binding import Binding
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Input

from tui.widgets.prompt_bar import PromptBar


class CommandBar(PromptBar):
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

    def action_close(self) -> None:
        self.value = ""
        self.close()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        command = event.value.strip().removeprefix(":").strip()
        self.action_close()
        if command:
            self.post_message(self.Run(command))
