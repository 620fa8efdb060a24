"""Where am I: the stack of open views, redrawn on every screen change (k9s' crumbs)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.screen import Screen
from textual.widgets import Static


def crumb_of(screen: Screen[Any]) -> str | None:
    """A screen's crumb: its `crumb` attribute; modal and unnamed screens have none."""
    if screen.is_modal:
        return None
    crumb = getattr(screen, "crumb", None)
    return crumb if isinstance(crumb, str) and crumb else None


class Breadcrumbs(Static):
    DEFAULT_CSS = """
    Breadcrumbs { height: 1; padding: 0 1; background: $surface; color: $text-muted; }
    """

    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self._changed)
        self.show_stack()

    def _changed(self, _screen: Any) -> None:
        self.show_stack()

    def crumbs(self) -> list[str]:
        return [c for c in (crumb_of(s) for s in self.app.screen_stack) if c is not None]

    def on_resize(self) -> None:
        self.show_stack()

    def show_stack(self) -> None:
        """The stack, oldest first; when it is wider than the bar, the oldest crumbs give way
        to an ellipsis (the current view always shows)."""
        crumbs = self.crumbs()
        room = self.content_size.width or self.app.size.width - 2
        start = 0
        while start < len(crumbs) - 1 and len(self._trail(crumbs, start)) > room:
            start += 1
        self.update(self._trail(crumbs, start))

    @staticmethod
    def _trail(crumbs: list[str], start: int) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        if start:
            text.append("… › ")
        shown = crumbs[start:]
        for index, crumb in enumerate(shown):
            if index:
                text.append(" › ")
            last = index == len(shown) - 1
            text.append(f" {crumb} ", style="bold reverse" if last else "")
        return text
