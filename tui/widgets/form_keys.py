"""The one form behaviour: every form of the app (Run, Attest, Image build, Pool editor, KMS
Decrypt, Pin, context add) mixes `KeepsEdits` in before its screen class.

`tab` moves to the next field at once, even mid-burst of typed keys; `esc` in a field leaves
the field (focus goes back to the screen, nothing is lost); a second `esc`, or a `:` command
that opens another view, leaves the form, asking first when a field differs from what the
form was opened or last submitted with. `ctrl+s` submits from anywhere, inside a field too;
`show_result` brings what the submission produced into view. A form implements
`action_submit` and `leave_form`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, cast

from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select

from tui.engine.host import ScreenHost
from tui.screens.confirm import ConfirmScreen

FIELD_TYPES = (Input, Select, Checkbox)


class KeepsEdits(Screen[Any]):
    # Priority: focus moves when tab is read, not after the focused field's queue is drained.
    # Otherwise text typed right after a tab (one terminal read) lands in the old field.
    BINDINGS = [
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, priority=True),
        Binding("escape", "back", "Leave field / back", id="form.back"),
        # Not priority: ctrl+s queues behind the keys typed before it in the focused field, so a
        # burst ending in ctrl+s submits what was typed, not what the field held when it arrived.
        Binding("ctrl+s", "submit", "Submit", id="form.submit"),
    ]
    FORM_SELECTOR: ClassVar[str] = ""
    """The container holding the form's fields; empty: the whole screen."""
    DISCARD_QUESTION: ClassVar[str] = "Leave the form and lose your edits?"

    _form_baseline: dict[str, str] | None = None

    def form_fields(self) -> list[Widget]:
        root: Widget | Screen[Any] = (
            self.query_one(self.FORM_SELECTOR) if self.FORM_SELECTOR else self
        )
        return [w for w in root.query("*") if isinstance(w, FIELD_TYPES) and w.id]

    def form_values(self) -> dict[str, str]:
        return {str(w.id): str(getattr(w, "value", "")) for w in self.form_fields()}

    def remember_form(self, *field_ids: str) -> None:
        """What the form (or just `field_ids`, filled in by the program) holds now is not an
        edit: just opened, filled in, or submitted."""
        values = self.form_values()
        if not field_ids or self._form_baseline is None:
            self._form_baseline = values
            return
        self._form_baseline.update({key: values[key] for key in field_ids if key in values})

    def edited_fields(self) -> list[str]:
        """The ids of the fields whose value differs from the remembered one."""
        baseline = self._form_baseline
        if baseline is None:
            return []
        return [key for key, value in self.form_values().items() if baseline.get(key) != value]

    def confirm_leave(self, leave: Callable[[], object]) -> None:
        """Run `leave` now if nothing was edited, else after the operator says yes."""
        edited = self.edited_fields()
        if not edited:
            leave()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                leave()

        shown = ", ".join(key.split("-", 1)[-1].replace("-", " ") for key in edited)
        self.app.push_screen(ConfirmScreen(self.DISCARD_QUESTION, f"edited: {shown}"), answered)

    def action_back(self) -> None:
        """esc: leave the field; from outside a field, leave the form (asking if edited)."""
        if self.focused in self.form_fields():
            self.set_focus(None)
            return
        self.confirm_leave(self.leave_form)

    def leave_by_command(self, command: str) -> None:
        """A `:` command from the form: another view opens only once the edits may go."""
        self.confirm_leave(lambda: cast(ScreenHost, self.app).run_command(command))

    def show_result(self, widget: Widget) -> None:
        """What the submission produced, scrolled into view (a form may be taller than 24)."""
        self.call_after_refresh(widget.scroll_visible, animate=False)

    def action_submit(self) -> None:
        """ctrl+s: submit the form."""
        raise NotImplementedError

    def leave_form(self) -> None:
        """Close the form (dismiss the dialog, or go back a view)."""
        raise NotImplementedError
