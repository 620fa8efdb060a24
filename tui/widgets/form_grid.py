"""A compact form: two pairs per row (label, input, label, input) from 100 columns, one pair
per row below, so at 80 columns a label never runs into the next field's placeholder.

The attestation and decrypt step-throughs ask for a handful of short fields above their
results; this keeps the form to three lines of a wide terminal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual import events
from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Input, Label


class FormGrid(Grid):
    DEFAULT_CSS = """
    FormGrid { grid-size: 4; grid-columns: 16 1fr 16 1fr; grid-rows: 1; grid-gutter: 0 1;
        height: auto; padding: 0 1; margin: 1 0 0 0; }
    FormGrid.-narrow { grid-size: 2; grid-columns: 16 1fr; }
    FormGrid Label { width: 100%; text-align: right; color: $text-muted; }
    """
    WIDE = 100

    def __init__(
        self,
        fields: Sequence[tuple[str, str, str]],
        *,
        prefix: str,
        values: Mapping[str, str] | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own name for it
    ) -> None:
        """`fields` are (key, label, placeholder); each input's id is `<prefix>-<key>`."""
        super().__init__(id=id)
        self.fields = fields
        self.prefix = prefix
        self.values = dict(values or {})

    def compose(self) -> ComposeResult:
        for key, label, placeholder in self.fields:
            yield Label(label)
            yield Input(
                self.values.get(key, ""), placeholder, id=f"{self.prefix}-{key}", compact=True
            )

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(self.app.size.width < self.WIDE, "-narrow")
