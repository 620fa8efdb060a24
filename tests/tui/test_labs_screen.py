"""The Labs view lists the library with progress and starts, checks, hints and resets a lab."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest
from textual.widgets import Static
from tui_fakes import open_labs

from core.home import Home
from core.labs.catalog import LABS
from core.sandbox import stop_home
from tui.screens.confirm import ConfirmScreen
from tui.screens.labs import LabsScreen


def _panel(screen: LabsScreen) -> str:
    return str(screen.query_one("#lab-text", Static).render())


def _select(screen: LabsScreen, name: str) -> None:
    screen.table.move_cursor(row=[lab.name for lab in LABS].index(name))


async def test_labs_lists_every_lab_with_its_story(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_labs(app, pilot, wait)
        assert list(screen.table.all_rows) == [lab.name for lab in LABS]
        assert screen.sub_title == f"0/{len(LABS)} solved"
        assert "symptom: Nothing is broken yet" in _panel(screen)
        await pilot.press("down")
        assert "lab debug-mode" in _panel(screen)


async def test_read_only_hides_start_and_reset(make_app, wait) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait(pilot)
        app.run_command("labs")
        await wait(pilot)
        await pilot.press("s")
        await wait(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        keys = {key for key, _ in app.screen.help_keys()}  # type: ignore[attr-defined]
        assert "s" not in keys and "h" in keys and "c" in keys


@pytest.mark.slow
async def test_start_check_hint_and_reset_from_the_view(make_app, wait, nitrodeck_home) -> None:
    app = make_app()
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_labs(app, pilot, wait)
            _select(screen, "pool-busy")
            await pilot.press("s")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await wait(pilot)
            assert screen.table.all_rows["pool-busy"][2] == "started"
            assert "started: the symptom is below" in _panel(screen)
            await pilot.press("c")
            await wait(pilot)
            assert "✗ the pool holds ≥ 1024 MiB" in _panel(screen)
            assert "not yet" in _panel(screen)
            await pilot.press("h")
            await wait(pilot)
            assert "hint 1/3: Read the refusal" in _panel(screen)
            await pilot.press("ctrl+d")
            await pilot.press("y")
            await wait(pilot)
            assert screen.table.all_rows["pool-busy"][2] == "not started"
            assert not (nitrodeck_home / "labs" / "pool-busy").exists()
    finally:
        stop_home(Home(nitrodeck_home / "labs" / "pool-busy"))


class EnvWatch:
    """Samples `$NITRODECK_HOME` from another thread: any other value seen while a lab works."""

    def __init__(self) -> None:
        self.seen: set[str | None] = set()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.0005):
            self.seen.add(os.environ.get("NITRODECK_HOME"))
            self.samples += 1

    def __enter__(self) -> EnvWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.mark.slow
async def test_lab_actions_leave_the_apps_home_and_platform_alone(
    make_app, wait, nitrodeck_home: Path
) -> None:
    app = make_app()
    lab_home = nitrodeck_home / "labs" / "pool-busy"
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            screen = await open_labs(app, pilot, wait)
            before = dict(os.environ)
            _select(screen, "pool-busy")
            with EnvWatch() as watch:
                await pilot.press("s", "y")
                await wait(pilot)
                await pilot.press("c")
                await wait(pilot)
            assert "started" in screen.table.all_rows["pool-busy"][2]
            assert "not yet" in _panel(screen)
            # While the lab was prepared and checked, the app's environment never changed ...
            assert watch.samples > 100
            assert watch.seen == {str(nitrodeck_home)}
            assert dict(os.environ) == before
            # ... the lab's state and enclave are in the lab's home, none in the app's.
            assert (lab_home / "lab.json").is_file()
            assert (lab_home / "sim").is_dir()
            assert await asyncio.to_thread(lambda: app.platform.describe_enclaves()) == []
    finally:
        stop_home(Home(lab_home))
