"""The one-line prompt under a view (k9s' prompt): hidden until opened, closed by esc or enter.

The `:` command bar, the `/` filter bar and the console's search bar are all this widget with
their own messages.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.engine.errors import escape


class PromptBar(Input):
    DEFAULT_CSS = """
    PromptBar { height: 1; border: none; padding: 0 1; display: none; background: $panel; }
    PromptBar.-open { display: block; }
    PromptBar:focus { border: none; }
    """

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self, value: str | None = None) -> None:
        """Show the bar and focus it, optionally replacing its text."""
        if value is not None:
            self.value = value
        self.add_class("-open")
        # At once, not `focus()` (deferred): keys typed right after `:` or `/` arrive next.
        self.screen.set_focus(self)

    def close(self) -> None:
        """Hide the bar and give the focus back to the view."""
        self.remove_class("-open")
        self.screen.focus_next()


class PromptQuestion(Static):
    """The question a `ReturningPrompt` asks, on the line above it while it is open."""

    DEFAULT_CSS = """
    PromptQuestion { height: auto; padding: 0 1; background: $panel; color: $text-muted;
        display: none; }
    """


class ReturningPrompt(PromptBar):
    """A prompt that esc cancels and that, once closed, gives the focus to `return_to`
    (a selector): the view's table, so its keys (`:`, `e`, …) reach the screen again.

    Its placeholder is its question, shown above it too while the prompt holds text: a prompt
    opened with a suggested answer (an enclave's name, a file name) would otherwise hide it.
    """

    BINDINGS = [Binding("escape", "close", "Cancel", id="prompt.cancel")]

    def __init__(self, return_to: str, *, placeholder: str = "", id: str | None = None) -> None:  # noqa: A002
        super().__init__(placeholder=placeholder, id=id)
        self.return_to = return_to
        self.question = PromptQuestion()

    def on_mount(self) -> None:
        self.parent_widget().mount(self.question, before=self)

    def parent_widget(self) -> Widget:
        parent = self.parent
        assert isinstance(parent, Widget)
        return parent

    def open(self, value: str | None = None) -> None:
        self.question.update(f"{escape(self.placeholder)} · esc: cancel")
        super().open(value)
        self._show_question()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Bubbles on to the screen; only the question's line is decided here."""
        self._show_question()

    def _show_question(self) -> None:
        """Above the prompt only while the placeholder cannot say it (a value hides it)."""
        self.question.display = self.is_open and bool(self.value)

    def action_close(self) -> None:
        self.close()

    def close(self) -> None:
        self.question.display = False
        super().close()
        self.screen.query_one(self.return_to).focus()
