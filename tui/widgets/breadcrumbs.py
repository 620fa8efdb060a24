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

    def show_stack(self) -> None:
        text = Text()
        crumbs = self.crumbs()
        for index, crumb in enumerate(crumbs):
            if index:
                text.append(" › ")
            last = index == len(crumbs) - 1
            text.append(f" {crumb} ", style="bold reverse" if last else "")
        self.update(text)
