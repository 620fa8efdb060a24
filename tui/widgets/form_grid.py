"""A compact two-pairs-per-row form (label, input, label, input), one line per row.

The attestation and decrypt step-throughs ask for a handful of short fields above their
results; this keeps the form to three lines of a 36-line terminal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.containers import Grid
from textual.widgets import Input, Label


class FormGrid(Grid):
    DEFAULT_CSS = """
    FormGrid { grid-size: 4; grid-columns: 16 1fr 16 1fr; grid-rows: 1; grid-gutter: 0 1;
        height: auto; padding: 0 1; margin: 1 0 0 0; }
    FormGrid Label { width: 100%; text-align: right; }
    """

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
