"""`:tour`: starts the tour; `NarrationScreen` is the caption it shows over each real view."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.screens.base import NitrodeckScreen


class NarrationScreen(ModalScreen[bool]):
    """The step's text at the bottom; the view stays visible. Dismissed with True to go on."""

    BINDINGS = [
        Binding("space", "next", "Next", id="tour.next"),
        Binding("enter", "next", "Next", show=False),
        Binding("right", "next", "Next", show=False),
        Binding("escape", "stop", "End tour", id="tour.stop"),
    ]
    DEFAULT_CSS = """
    NarrationScreen { background: transparent; align: center bottom; }
    NarrationScreen > #narration {
        width: 100%;
        height: auto;
        max-height: 9;
        margin-bottom: 1;
        padding: 0 1;
        border: tall $accent;
        background: $panel;
    }
    /* Toasts (the tour preparing its story) go to the top: at the bottom they hid the caption. */
    NarrationScreen ToastRack { dock: top; align: right top; margin-bottom: 0; margin-top: 2; }
    """

    def __init__(self, text: str, number: int, total: int, delay: float) -> None:
        super().__init__()
        self.text = text
        self.number = number
        self.total = total
        self.delay = delay

    def compose(self) -> ComposeResult:
        how = f"next in {self.delay:g} s" if self.delay > 0 else "space: next"
        caption = Static(Text(self.text), id="narration")
        caption.border_title = f"tour {self.number}/{self.total}"
        caption.border_subtitle = f"{how} · esc: end"
        yield caption

    def on_mount(self) -> None:
        if self.delay > 0:
            self.set_timer(self.delay, self.action_next)

    def action_next(self) -> None:
        if self.is_current:
            self.dismiss(True)

    def action_stop(self) -> None:
        self.dismiss(False)


class TourScreen(NitrodeckScreen):
    """Opening `:tour` starts the tour; the tour then moves through the other views."""

    crumb = "tour"
    ABOUT = "A self-running tour of every view, with narration; t starts it again."
    BINDINGS = [Binding("t", "start", "Start the tour", id="tour.start")]

    def compose_body(self) -> ComposeResult:
        yield Static("The tour drives the real views; press t to run it again.", id="tour-text")

    def on_mount(self) -> None:
        self.call_after_refresh(self.action_start)

    def action_start(self) -> None:
        self.nd_app.start_tour()


def make_screen() -> TourScreen:
    return TourScreen()
