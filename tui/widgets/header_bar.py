"""The top line of every screen: platform, enclave pool use, clock (k9s' cluster info)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tui.header import HeaderInfo, HeaderProvider
from tui.widgets.poller import Poller

Clock = Callable[[], datetime]
COMPACT_BELOW = 110  # columns: narrower, the header drops the region to keep the pool figures


class HeaderBar(Horizontal):
    """Shows `HeaderInfo` from a provider polled in the background, and the time."""

    DEFAULT_CSS = """
    HeaderBar { height: 1; background: $panel; color: $foreground; }
    HeaderBar > #header-title { width: auto; padding: 0 1; background: $primary;
        color: $background; text-style: bold; }
    HeaderBar > #header-platform { width: auto; padding: 0 1; text-style: bold; }
    HeaderBar > #header-platform.-simulated { color: $warning; }
    HeaderBar > #header-pool { width: 1fr; padding: 0 1; color: $text-muted; }
    HeaderBar > #header-read-only { width: auto; padding: 0 1; background: $error;
        color: $foreground; text-style: bold; }
    HeaderBar > #header-clock { width: auto; padding: 0 1; }
    """

    def __init__(
        self,
        provider: HeaderProvider,
        clock: Clock,
        *,
        read_only: bool = False,
        interval: float = 5.0,
    ) -> None:
        super().__init__()
        self._read_only = read_only
        self._provider = provider
        self._clock = clock
        self._interval = interval
        self._info: HeaderInfo | None = None

    def compose(self) -> ComposeResult:
        yield Static("nitrodeck", id="header-title")
        if self._read_only:
            yield Static("READ-ONLY", id="header-read-only")
        yield Static("…", id="header-platform")
        yield Static("", id="header-pool")
        yield Static(self._time(), id="header-clock")
        yield Poller(self._provider.header_info, self.show_info, interval=self._interval)

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick, name="clock")

    def show_info(self, info: HeaderInfo) -> None:
        self._info = info
        compact = self.size.width < COMPACT_BELOW
        platform = self.query_one("#header-platform", Static)
        platform.update(info.platform_label(compact=compact))
        platform.set_class(info.simulated, "-simulated")
        self.query_one("#header-pool", Static).update(info.pool_label(compact=compact))

    def on_resize(self) -> None:
        if self._info is not None:
            self.show_info(self._info)

    def refresh_info(self) -> None:
        """Ask the platform again now (after a run, terminate or pool change), not in 5 s."""
        self.query_one(Poller).poll_now()

    def on_poller_failed(self, event: Poller.Failed) -> None:
        event.stop()
        self.query_one("#header-pool", Static).update(f"platform unavailable: {event.error}")

    def _time(self) -> str:
        return self._clock().strftime("%H:%M:%S")

    def _tick(self) -> None:
        self.query_one("#header-clock", Static).update(self._time(), layout=False)
