"""The stand-in for a view whose engine is still being built: says what it will show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Static

from tui.screens.base import NitrodeckScreen

if TYPE_CHECKING:
    from tui.engine.registry import View


class PendingScreen(NitrodeckScreen):
    DEFAULT_CSS = """
    PendingScreen #pending { margin: 2 4; padding: 1 2; border: round $secondary; height: auto; }
    """

    def __init__(self, view: View) -> None:
        super().__init__()
        self.view = view
        self.crumb = view.name

    def compose_body(self) -> ComposeResult:
        yield Static(
            f"[b]{self.view.name}[/b]: {self.view.description}.\n\n"
            "This view is not available in this build yet. "
            "Press esc to go back or : to open another view.",
            id="pending",
        )
