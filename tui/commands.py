"""The command palette (ctrl+p) lists every view and every action of the current screen."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.engine.registry import VIEWS

if TYPE_CHECKING:
    from tui.app import NitrodeckApp


class NitrodeckCommands(Provider):
    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        """(name, help, callback) for the views, then the current screen's active keys."""
        app = cast("NitrodeckApp", self.app)
        commands: list[tuple[str, str, Callable[[], object]]] = [
            (f"Open {view.name}", view.description, partial(app.run_command, view.name))
            for view in VIEWS
        ]
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.system or not active.enabled:
                continue
            commands.append(
                (
                    binding.description,
                    f"key: {app.get_key_display(binding)}",
                    partial(app.run_action, binding.action, active.node),
                )
            )
            del key
        return commands

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
