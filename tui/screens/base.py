"""The frame every nitrodeck screen shares: header, breadcrumbs, `:` prompt, footer, k9s keys.

Subclasses add their body in `compose_body`. A screen with a destructive action binds it with
`tui.bindings.dangerous(...)` to `danger` and implements `danger_target`/`perform_danger`; the
frame asks for confirmation naming the target, and hides the action in `--read-only`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.screen import Screen
from textual.widgets import Footer, Input
from textual.worker import Worker

from tui.bindings import is_dangerous
from tui.engine.access import PlatformHolder
from tui.engine.errors import run_job
from tui.engine.host import ScreenHost
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen, describe
from tui.widgets.breadcrumbs import Breadcrumbs
from tui.widgets.command_bar import CommandBar
from tui.widgets.fitting_footer import FittingFooter
from tui.widgets.header_bar import HeaderBar

# App-level keys worth listing in help even though Textual hides them from the footer.
APP_KEYS = {"quit", "command_palette"}
# Keys that open a prompt: bound with priority=True (see `check_action`).
PROMPT_ACTIONS = {"command", "filter", "search"}
# Textual's own screen keys (focus cycling, copy): every app has them, help need not say so.
GENERIC_KEYS = {binding.key for binding in Binding.make_bindings(Screen.BINDINGS)}
# Keys every view has: the footer lists them after the view's own, which matter more when
# an 80-column footer cannot show them all (help and the palette list everything).
EVERYWHERE = {"command", "help", "back", "filter", "copy"}
WIDE = 100
T = TypeVar("T")


class NitrodeckScreen(Screen[None]):
    crumb = "nitrodeck"
    ABOUT = ""
    danger_question = "Really do this?"
    BINDINGS = [
        Binding("colon", "command", "Command", key_display=":", id="nav.command", priority=True),
        Binding("question_mark", "help", "Help", key_display="?", id="nav.help"),
        Binding("escape", "back", "Back", id="nav.back"),
    ]

    platform_override: PlatformHolder | None = None
    """A platform given to this screen (tests, pictures) instead of the app's."""

    @property
    def nd_app(self) -> ScreenHost:
        """The app, seen through the small protocol screens may use."""
        return cast(ScreenHost, self.app)

    @property
    def platforms(self) -> PlatformHolder:
        """The one way a screen reaches the platform: `self.platforms.get()` in a worker."""
        return self.platform_override or self.nd_app.platforms

    def compose(self) -> ComposeResult:
        app = self.nd_app
        yield HeaderBar(app.header_provider, app.clock, read_only=app.read_only)
        yield Breadcrumbs()
        yield from self.compose_body()
        yield CommandBar(app.command_words())
        yield FittingFooter(compact=self.app.size.width < WIDE)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The view's own keys first, then those every view has (the footer's order)."""
        bindings = super().active_bindings
        own = {k: b for k, b in bindings.items() if b.binding.action not in EVERYWHERE}
        return own | {k: b for k, b in bindings.items() if k not in own}

    def on_resize(self, event: events.Resize) -> None:
        for footer in self.query(Footer):
            footer.compact = event.size.width < WIDE

    def compose_body(self) -> ComposeResult:
        yield from ()

    # -- actions and their errors -------------------------------------------------------------
    def show_error(self, markup: str) -> None:
        """Where this screen shows an error (`error_markup`); a lasting notification unless the
        screen has a status line of its own."""
        self.notify(markup, title="error", severity="error", timeout=15)

    def run_job(
        self,
        job: Callable[[], T],
        done: Callable[[T], object],
        *,
        failed: Callable[[str], object] | None = None,
        group: str,
        exclusive: bool = True,
    ) -> Worker[None]:
        """Every action that can fail: `job` in a thread, then `done(result)`, or the error
        with its code, evidence and fix to `failed` (default `show_error`)."""
        return run_job(self, job, done, failed or self.show_error, group=group, exclusive=exclusive)

    # -- dangerous actions -------------------------------------------------------------------
    def dangerous_actions(self) -> set[str]:
        return {
            binding.action
            for bindings in self._bindings.key_to_bindings.values()
            for binding in bindings
            if is_dangerous(binding)
        }

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """False hides the binding from footer, help and palette and refuses to run it.

        A prompt key (`:`, `/`) is a priority binding, so the prompt opens before the keys typed
        right after it arrive; inside a text field it stands aside (None) and is typed instead.
        """
        if action in PROMPT_ACTIONS and isinstance(self.focused, Input):
            return None
        return not (self.nd_app.read_only and action in self.dangerous_actions())

    def danger_target(self) -> str | None:
        """What the dangerous action would hit now (shown in the confirmation), or None."""
        return None

    def perform_danger(self, target: str) -> None:
        """Carry out the confirmed dangerous action on `target`."""

    def action_danger(self) -> None:
        if self.nd_app.read_only:
            return
        target = self.danger_target()
        if target is None:
            self.notify("Nothing selected to act on.", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.perform_danger(target)

        self.app.push_screen(ConfirmScreen(self.danger_question, target), answered)

    # -- navigation ----------------------------------------------------------------------------
    def action_command(self) -> None:
        self.query_one(CommandBar).open("")

    @on(CommandBar.Run)
    def _run_command(self, event: CommandBar.Run) -> None:
        self.leave_by_command(event.command)

    def leave_by_command(self, command: str) -> None:
        """Open what a `:` command names (a form asks first when it holds edits)."""
        self.nd_app.run_command(command)

    def action_back(self) -> None:
        self.nd_app.go_back()

    def refresh_header(self) -> None:
        """The header's pool figures follow a change this screen made at once."""
        for header in self.query(HeaderBar):
            header.refresh_info()

    def help_keys(self) -> list[tuple[str, str]]:
        """This screen's and the app's keys that work now, as (key, description).

        Generic widget keys (cursor movement, tab) are left out: they need no explaining.
        """
        seen: set[str] = set()
        keys: list[tuple[str, str]] = []
        for key, active in self.active_bindings.items():
            binding = active.binding
            own = active.node is self or (
                active.node is self.app and (binding.show or binding.action in APP_KEYS)
            )
            generic = key in GENERIC_KEYS
            if not own or generic or binding.system or not binding.description or key in seen:
                continue
            seen.add(key)
            keys.append(
                (binding.key_display or self.app.get_key_display(binding), describe(binding))
            )
        return keys

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.crumb, self.help_keys(), self.ABOUT))
