"""The command palette (ctrl+p) lists every view and every action of every view.

The current screen's keys run in place; another view's actions open that view first and then
run there (so "images: Build" works from anywhere). Screens opened from a view rather than by
`:` (an enclave's console, the saved consoles) are listed too: their actions open the view, the
screen, then run. Dangerous ones vanish in `--read-only`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from tui.bindings import is_dangerous
from tui.engine.host import ScreenHost
from tui.engine.registry import VIEWS, View

Command = tuple[str, str, Callable[[], object]]
# The frame's own keys (every view has them): listed once, for the current screen.
NAV_ACTIONS = {"command", "help", "back"}


@dataclass(frozen=True)
class Reached:
    """A screen opened from a view by one of its actions, not by a `:` command."""

    name: str
    view: str
    action: str
    module: str
    cls: str


REACHED = (
    Reached("console", "enclaves", "console", "console", "ConsoleScreen"),
    Reached("consoles", "enclaves", "history", "console_history", "ConsoleHistoryScreen"),
)


def screen_class(view: View) -> type[Screen[None]] | None:
    """The view's screen class (its module imported on first use), or None if not found."""
    module = importlib.import_module(f"tui.screens.{view.module}")
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Screen)
        and value.__module__ == module.__name__
        and getattr(value, "crumb", None) == view.name
    ]
    return classes[0] if classes else None


def open_and_run(app: App[Any], name: str, *actions: str) -> None:
    """Open the view `name`, then run `actions` one after another, each on the screen that is
    on top once the one before has shown (an action may open the next screen)."""
    cast(ScreenHost, app).run_command(name)

    def step(rest: tuple[str, ...]) -> None:
        async def run() -> None:
            await app.run_action(rest[0], app.screen)
            if len(rest) > 1:
                step(rest[1:])

        app.call_after_refresh(run)

    if actions:
        step(actions)


class NitrodeckCommands(Provider):
    def _commands(self) -> list[Command]:
        """(name, help, callback): the views, the current screen's keys, every view's actions."""
        app = self.app
        host = cast(ScreenHost, app)
        commands: list[Command] = [
            (f"Open {view.name}", view.description, partial(host.run_command, view.name))
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
        current = getattr(self.screen, "crumb", "")
        for view in VIEWS:
            if view.name != current:
                commands += self._view_actions(app, view.name, screen_class(view), ())
        for reached in REACHED:
            if not current.startswith(reached.name):
                module = importlib.import_module(f"tui.screens.{reached.module}")
                cls = getattr(module, reached.cls)
                commands += self._view_actions(
                    app, reached.view, cls, (reached.action,), reached.name
                )
        return commands

    def _view_actions(
        self,
        app: App[Any],
        view: str,
        cls: type[Screen[Any]] | None,
        via: tuple[str, ...],
        label: str = "",
    ) -> list[Command]:
        """Another view's own actions: open it (then the screen `via` opens), run the action."""
        if cls is None:
            return []
        label = label or view
        found: list[Command] = []
        seen: set[str] = set()
        for bindings in cls._merge_bindings().key_to_bindings.values():
            for binding in bindings:
                action = binding.action
                own = binding.description and not binding.system and action not in NAV_ACTIONS
                hidden = cast(ScreenHost, app).read_only and is_dangerous(binding)
                if not own or hidden or action in seen:
                    continue
                seen.add(action)
                found.append(
                    (
                        f"{label}: {binding.description}",
                        f"opens {label}, then {app.get_key_display(binding)}",
                        partial(open_and_run, app, view, *via, action),
                    )
                )
        return found

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
