"""The live-view poller: never overlaps, backs off on errors, pauses under a modal."""

from __future__ import annotations

import threading
from typing import Any

from textual.app import App, ComposeResult
from textual.screen import ModalScreen

from tui.widgets.poller import Poller


class Source:
    def __init__(self) -> None:
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self.fail = False
        self.gate = threading.Event()
        self.gate.set()
        self.lock = threading.Lock()

    def fetch(self) -> int:
        with self.lock:
            self.calls += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            self.gate.wait(5)
            if self.fail:
                raise ConnectionError("platform unreachable")
            return self.calls
        finally:
            with self.lock:
                self.active -= 1


class PollApp(App[None]):
    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source
        self.applied: list[int] = []
        self.failures: list[BaseException] = []

    def compose(self) -> ComposeResult:
        yield Poller(self.source.fetch, self.applied.append, interval=3600.0, max_interval=7200.0)

    def on_poller_failed(self, event: Poller.Failed) -> None:
        self.failures.append(event.error)


async def test_first_fetch_runs_at_mount_and_applies(wait: Any) -> None:
    app = PollApp(Source())
    async with app.run_test() as pilot:
        await wait(pilot)
        assert app.applied == [1]


async def test_poll_now_while_fetching_does_not_start_a_second_fetch(wait: Any) -> None:
    source = Source()
    app = PollApp(source)
    async with app.run_test() as pilot:
        await wait(pilot)
        source.gate.clear()
        poller = app.query_one(Poller)
        poller.poll_now()
        await pilot.pause(0.05)
        assert poller.running
        for _ in range(5):
            poller.poll_now()
            await pilot.pause(0.02)
        source.gate.set()
        await wait(pilot)
        assert source.max_active == 1
        assert source.calls == 2
        assert not poller.running


async def test_errors_back_off_and_success_resets(wait: Any) -> None:
    source = Source()
    source.fail = True
    app = PollApp(source)
    async with app.run_test() as pilot:
        await wait(pilot)
        poller = app.query_one(Poller)
        assert poller.failures == 1 and poller.next_delay() == 7200.0  # 3600·2, capped
        assert isinstance(app.failures[0], ConnectionError)
        assert app.is_running  # a failing platform never takes the app down
        source.fail = False
        poller.poll_now()
        await wait(pilot)
        assert poller.failures == 0 and poller.next_delay() == 3600.0
        assert app.applied == [2]


async def test_backoff_doubles_per_failure() -> None:
    poller = Poller(lambda: 0, lambda _x: None, interval=2.0, max_interval=30.0)
    delays = []
    for failures in range(6):
        poller.failures = failures
        delays.append(poller.next_delay())
    assert delays == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


class Modal(ModalScreen[None]):
    pass


async def test_paused_while_a_modal_is_open_then_catches_up(wait: Any) -> None:
    source = Source()
    app = PollApp(source)
    async with app.run_test() as pilot:
        await wait(pilot)
        poller = app.query_one(Poller)
        await app.push_screen(Modal())
        await wait(pilot)
        poller.poll_now()
        await wait(pilot)
        assert source.calls == 1  # nothing fetched behind the modal
        app.pop_screen()
        await wait(pilot)
        assert source.calls == 2 and app.applied == [1, 2]
