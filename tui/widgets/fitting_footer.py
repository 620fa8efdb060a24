"""A footer that shows whole keys only.

Textual's footer is a row that clips what does not fit, so at 80 columns the last key the row
reaches shows as a fragment (`esc Back / Fi▏^p palette`), a hint the reader has to guess. This
footer keeps the keys in their order (a view's own first, `NitrodeckScreen.active_bindings`) and
hides every key from the first one that would be cut; `?` lists them all, and the palette finds
their actions.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PALETTE = "-command-palette"


def key_width(key: FooterKey) -> int:
    """The columns `key` takes in the row, as `FooterKey.render` lays it out, margins included."""
    key_padding = key.get_component_styles("footer-key--key").padding
    width = key_padding.left + cell_len(key.key_display) + key_padding.right
    if key.description:
        padding = key.get_component_styles("footer-key--description").padding
        width += padding.left + cell_len(key.description) + padding.right
    margin = key.styles.margin
    return width + margin.left + margin.right


class FittingFooter(Footer):
    """`Footer`, with the keys that would be cut hidden instead."""

    async def recompose(self) -> None:
        await super().recompose()
        self.call_after_refresh(self.fit_keys)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self.fit_keys)

    def watch_compact(self, compact: bool) -> None:
        self.call_after_refresh(self.fit_keys)

    def fit_keys(self) -> None:
        """Show the keys, in order, while each fits whole beside the docked palette key."""
        keys = list(self.query_children(FooterKey))
        docked = [key for key in keys if key.has_class(PALETTE)]
        room = self.size.width - sum(key_width(key) + 1 for key in docked)  # +1: its border
        used = 0
        cut = False
        for key in keys:
            if key.has_class(PALETTE):
                continue
            width = key_width(key)
            cut = cut or used + width - key.styles.margin.right > room
            key.display = not cut
            used += width
