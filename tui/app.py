"""The full-screen app (a placeholder until the console issue lands)."""

from __future__ import annotations

import argparse

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static


class NitrodeckApp(App[None]):
    """nitrodeck's full-screen console."""

    TITLE = "nitrodeck"
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("nitrodeck: the full-screen console is being built. Press q to quit.")
        yield Footer()


def run_app(args: argparse.Namespace) -> int:
    NitrodeckApp().run()
    return 0
