"""A small dialog form over the one form behaviour (`KeepsEdits`): a title, a few labelled
fields, Cancel and OK. Used where a view asks for more than a yes (the KMS view's Pin).

Dismisses with the fields' values by key, or None when left; `ctrl+s` or enter submits. A
`check` refuses values in the form itself (its error under the fields, what was typed kept).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Static

from core.errors import NitrodeckError
from tui.engine.errors import error_markup
from tui.widgets.form_keys import KeepsEdits

Field = tuple[str, str, str, str]
"""(key, label, placeholder, initial value)."""


class FieldsForm(KeepsEdits, ModalScreen[dict[str, str] | None]):
    DEFAULT_CSS = """
    FieldsForm { align: center middle; }
    FieldsForm > Vertical { width: 90; max-width: 100%; height: auto; max-height: 100%;
        padding: 0 1; border: thick $primary; background: $surface; }
    FieldsForm #fields-grid { grid-size: 2; grid-columns: 16 1fr; grid-rows: auto;
        height: auto; margin-top: 1; }
    FieldsForm Label { color: $text-muted; }
    FieldsForm #fields-note { margin-top: 1; height: auto; }
    FieldsForm Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    FieldsForm Button { margin-left: 2; }
    """
    BINDINGS = [Binding("ctrl+s", "submit", "OK", id="fields.submit")]
    FORM_SELECTOR = "#fields-grid"

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        *,
        note: str = "",
        ok: str = "OK",
        suggestions: Sequence[str] = (),
        check: Callable[[dict[str, str]], object] | None = None,
    ) -> None:
        """`suggestions` complete the first field as it is typed (e.g. image paths); `check`
        raises a NitrodeckError for values the form must not be left with."""
        super().__init__()
        self.check = check
        self.title_text = title
        self.fields = list(fields)
        self.note = note
        self.ok = ok
        self.suggestions = list(suggestions)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text.assemble((self.title_text, "bold"), " · ctrl+s: ", self.ok))
            with Grid(id="fields-grid"):
                for index, (key, label, placeholder, value) in enumerate(self.fields):
                    yield Label(label)
                    suggester = (
                        SuggestFromList(self.suggestions)
                        if index == 0 and self.suggestions
                        else None
                    )
                    yield Input(
                        value,
                        placeholder,
                        compact=True,
                        id=f"field-{key}",
                        suggester=suggester,
                    )
            yield Static(Text(self.note), id="fields-note")
            with Horizontal():
                yield Button("Cancel", compact=True, id="fields-cancel")
                yield Button(self.ok, compact=True, variant="primary", id="fields-ok")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.remember_form()

    def values(self) -> dict[str, str]:
        return {
            key: self.query_one(f"#field-{key}", Input).value.strip() for key, *_ in self.fields
        }

    @on(Input.Submitted)
    def action_submit(self) -> None:
        values = self.values()
        if self.check is not None:
            try:
                self.check(values)
            except NitrodeckError as error:
                note = self.query_one("#fields-note", Static)
                note.update(error_markup(error))
                self.show_result(note)
                return
        self.dismiss(values)

    def leave_form(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "fields-ok":
            self.action_submit()
        else:
            self.action_back()
