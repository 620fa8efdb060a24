"""A yes/no question that names exactly what is about to be destroyed (posting's confirmation)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True on y / Yes, False on n / No / esc."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical { width: 64; height: auto; padding: 1 2; border: thick $error;
        background: $surface; }
    ConfirmScreen #confirm-question { width: 100%; margin-bottom: 1; text-style: bold; }
    ConfirmScreen #confirm-target { width: 100%; margin-bottom: 1; color: $warning; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    /* At 80 columns a lasting error toast covered the answer buttons; it shows again after. */
    ConfirmScreen Toast { display: none; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str, target: str) -> None:
        super().__init__()
        self.question = question
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, id="confirm-question")
            yield Label(self.target, id="confirm-target")
            with Horizontal():
                yield Button("No (n)", id="no", variant="primary")
                yield Button("Yes (y)", id="yes", variant="error")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
