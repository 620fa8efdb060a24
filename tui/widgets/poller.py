"""A non-overlapping background refresher for live views (k9s' updater, dolphie's manager).

`fetch` runs in a thread worker; only after it finishes is the next run armed with
`set_timer`, so a slow platform never stacks up requests. Errors back off exponentially. While
its screen is not the active one (another screen or a modal is on top) nothing is fetched;
the refresh that came due meanwhile runs as soon as the screen is active again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.worker import Worker, WorkerState

T = TypeVar("T")
GROUP = "poller"


class Poller(Widget, Generic[T]):
    """Invisible widget: mount it in a screen, it keeps `apply(fetch())` going."""

    DEFAULT_CSS = "Poller { display: none; }"

    class Failed(Message):
        """A fetch raised; `error` is the exception. The poller itself keeps going."""

        def __init__(self, error: BaseException) -> None:
            super().__init__()
            self.error = error

    def __init__(
        self,
        fetch: Callable[[], T],
        apply: Callable[[T], None],
        *,
        interval: float = 2.0,
        max_interval: float = 30.0,
        id: str | None = None,  # noqa: A002 - Textual's own name for it
    ) -> None:
        super().__init__(id=id)
        self._poll_fetch = fetch
        self._poll_apply = apply
        self.interval = interval
        self.max_interval = max_interval
        self.failures = 0
        self.runs = 0
        self._poll_timer: Timer | None = None
        self._busy = False
        self._poll_due = False

    @property
    def running(self) -> bool:
        return self._busy

    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self._screen_changed)
        self._arm(0)

    def poll_now(self) -> None:
        """Refresh at once (unless a fetch is already running: then that one counts)."""
        self._arm(0)

    def next_delay(self) -> float:
        """The interval, doubled per consecutive failure, capped at `max_interval`."""
        return float(min(self.interval * 2.0**self.failures, self.max_interval))

    def _arm(self, delay: float) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
        # Textual timers divide by their delay: "now" is the shortest positive one.
        self._poll_timer = self.set_timer(max(delay, 0.001), self._fire, name="poller")

    def _active(self) -> bool:
        screen = self.screen
        return isinstance(screen, Screen) and screen.is_active

    def _fire(self) -> None:
        self._poll_timer = None
        if self._busy:
            return
        if not self._active():
            self._poll_due = True
            return
        self._busy = True
        self.run_worker(
            self._poll_fetch,
            thread=True,
            group=GROUP,
            exit_on_error=False,
            description=f"refresh {self.id or type(self).__name__}",
        )

    def _screen_changed(self, screen: Any) -> None:
        if self._poll_due and screen is self.screen:
            self._poll_due = False
            self._arm(0)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != GROUP:
            return
        event.stop()
        state = event.state
        if state not in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self._busy = False
        if self._closing or self._pruning or not self.is_attached:
            return  # its screen is being taken down: what the result would fill may be gone
        self.runs += 1
        if state is WorkerState.SUCCESS:
            self.failures = 0
            self._poll_apply(cast(T, event.worker.result))
        elif state is WorkerState.ERROR:
            self.failures += 1
            if event.worker.error is not None:
                self.post_message(self.Failed(event.worker.error))
        else:
            return
        self._arm(self.next_delay())
