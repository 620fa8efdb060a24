"""The full-screen app: startup, theme, global navigation. Screens live in `tui/screens/`."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from core.checks import Check
from core.doctor import NO_TERMINAL_FIX, CheckProvider, basic_checks, current_terminal_size
from core.errors import NitrodeckError, UsageError
from core.home import Home
from tui.commands import NitrodeckCommands
from tui.config import AppConfig, load_config, save_config, with_theme
from tui.engine import registry
from tui.engine.access import PlatformHeaderProvider, PlatformHolder, platform_checks
from tui.first_run import StartupTask, first_run_tasks
from tui.header import HeaderProvider
from tui.theme import NITRODECK_THEME
from tui.tour import Tour

if TYPE_CHECKING:
    from core.platform.base import Platform


class NitrodeckApp(App[None]):
    """nitrodeck's full-screen console. Everything a screen needs is injected here."""

    TITLE = "nitrodeck"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {NitrodeckCommands}

    def __init__(
        self,
        *,
        header_provider: HeaderProvider,
        read_only: bool = False,
        theme: str | None = None,
        clock: Callable[[], datetime] = datetime.now,
        check_providers: Sequence[CheckProvider] | None = None,
        start_view: str = "home",
        config: AppConfig | None = None,
        platform: PlatformHolder | None = None,
        startup_tasks: Sequence[StartupTask] = (),
        tour_delay: float = 0.0,
        tour_exit: bool = False,
        tour_in_place: bool = False,
    ) -> None:
        super().__init__()
        self.tour_delay = tour_delay
        self.tour_exit = tour_exit
        self.tour_in_place = tour_in_place
        """The app already runs in the tour's own home (`nitrodeck tour`): no home of its own."""
        self.tour: Tour | None = None
        self.platforms = (
            platform
            if platform is not None
            else PlatformHolder.for_args(None, None, Home.resolve())  # the app's start: an edge
        )
        self.startup_tasks = list(startup_tasks)
        self.header_provider = header_provider
        self.read_only = read_only
        self.clock = clock
        self.check_providers: list[CheckProvider] = list(
            check_providers if check_providers is not None else [self._basic_checks]
        )
        self.start_view = start_view
        self.config = config if config is not None else load_config()
        self.register_theme(NITRODECK_THEME)
        wanted = theme or self.config.theme
        if wanted not in self.available_themes:
            wanted = NITRODECK_THEME.name
        self.theme = wanted
        if self.config.keymap:
            self.set_keymap(self.config.keymap)

    def _basic_checks(self) -> list[Check]:
        return basic_checks(self.platforms.home, (self.size.width, self.size.height))

    def on_unmount(self) -> None:
        self.platforms.close()

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.run_command(self.start_view)
        for task in self.startup_tasks:
            self.run_worker(task, thread=True, group="startup", exit_on_error=False)

    def start_tour(self) -> None:
        """Run the tour (`:tour`, `nitrodeck tour`) from its first step."""
        self.tour = Tour(
            self,
            self,
            delay=self.tour_delay,
            exit_at_end=self.tour_exit,
            own_home=not self.tour_in_place,
        )
        self.run_worker(self.tour.run(), exclusive=True, group="tour", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """First-run tasks report when they are done (or what went wrong, with the fix)."""
        if event.worker.group == "tour" and event.state is WorkerState.ERROR:
            self.notify(f"the tour stopped: {event.worker.error}", severity="error", timeout=15)
        if event.worker.group != "startup":
            return
        if event.state is WorkerState.SUCCESS and event.worker.result:
            self.notify(str(event.worker.result), title="ready")
        elif event.state is WorkerState.ERROR and event.worker.error is not None:
            self.notify(str(event.worker.error), title="first run", severity="error", timeout=15)

    def _theme_changed(self, theme: Theme) -> None:
        """Remember the theme the user picked (ctrl+p → theme, or --theme)."""
        if theme.name != self.config.theme:
            self.config = with_theme(self.config, theme.name)
            try:
                save_config(self.config)
            except OSError as error:
                self.notify(f"cannot save the theme choice: {error}", severity="warning")

    def command_words(self) -> list[str]:
        return registry.command_words()

    def run_command(self, command: str) -> bool:
        """Open the view `command` names (k9s style); False and a notice if unknown."""
        word = command.strip().lower()
        if word in registry.QUIT_WORDS:
            self.exit()
            return True
        view = registry.resolve(word)
        if view is None:
            self.notify(
                f"unknown command {command!r}; try one of: "
                + ", ".join(v.name for v in registry.VIEWS),
                severity="error",
            )
            return False
        for index, screen in enumerate(self.screen_stack):
            if getattr(screen, "crumb", None) == view.name:
                # Already open below: go back to it instead of stacking a second copy.
                for _ in range(len(self.screen_stack) - 1 - index):
                    self.pop_screen()
                return True
        self.push_screen(view.build())
        return True

    @property
    def platform(self) -> Platform:
        """The app's one platform, opened on first use: call it from a worker thread."""
        return self.platforms.get()

    def go_back(self) -> None:
        """Close the current view unless it is the last one."""
        if len(self.screen_stack) > 2:
            self.pop_screen()


def make_app(
    args: argparse.Namespace,
    *,
    start_view: str = "enclaves",
    tour_delay: float = 0.0,
    tour_exit: bool = False,
    tour_in_place: bool = False,
) -> NitrodeckApp:
    """The app for the command line's global options; an unknown --theme is a user error."""
    config = load_config()
    home = args.home if isinstance(getattr(args, "home", None), Home) else Home.resolve()
    holder = PlatformHolder.for_args(args.platform, args.profile, home)
    app = NitrodeckApp(
        header_provider=PlatformHeaderProvider(holder),
        read_only=bool(args.read_only),
        config=config,
        platform=holder,
        startup_tasks=first_run_tasks(holder),
        start_view=start_view,
        tour_delay=tour_delay,
        tour_exit=tour_exit,
        tour_in_place=tour_in_place,
    )
    app.check_providers.append(platform_checks(holder))
    if args.theme is not None:
        if args.theme not in app.available_themes:
            raise NitrodeckError(
                f"unknown theme {args.theme!r}",
                where="--theme",
                fix="choose one of: " + ", ".join(sorted(app.available_themes)),
            )
        app.theme = args.theme
        app.config = with_theme(config, args.theme)
        save_config(app.config)
    return app


def run_app(args: argparse.Namespace, **options: Any) -> int:
    """Run the app (without a terminal: say so and which commands work instead, no hang);
    with `args.record` everything it writes to the terminal goes to a cast."""
    if current_terminal_size() is None:
        raise UsageError("the app needs a terminal (stdin and stdout)", fix=NO_TERMINAL_FIX)
    app = make_app(args, **options)
    record: Path | None = getattr(args, "record", None)
    cast = None
    if record is not None:
        from tui.recording import open_cast, recording_driver

        cast = open_cast(record, title="nitrodeck")
        app.driver_class = recording_driver(app.driver_class, cast)
    try:
        app.run()  # unmounting closes the platform: a remote engine's session ends with the app
    finally:
        if cast is not None:
            cast.close()
    return 0
