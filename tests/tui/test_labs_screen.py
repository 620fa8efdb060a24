"""The Labs view lists the library with progress and starts, checks, hints and resets a lab."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from core.labs.catalog import LABS
from core.sandbox import stop_home
from tui.screens.confirm import ConfirmScreen
from tui.screens.labs import LabsScreen


def _panel(screen: LabsScreen) -> str:
    return str(screen.query_one("#lab-text", Static).render())


async def test_labs_lists_every_lab_with_its_story(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await wait(pilot)
        app.run_command("labs")
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, LabsScreen)
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
            await wait(pilot)
            app.run_command("labs")
            await wait(pilot)
            screen = app.screen
            assert isinstance(screen, LabsScreen)
            screen.table.move_cursor(row=[lab.name for lab in LABS].index("pool-busy"))
            await pilot.press("s")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("y")
            await wait(pilot)
            assert screen.table.all_rows["pool-busy"][2] == "started"
            assert "started: the symptom is above" in _panel(screen)
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
        stop_home(nitrodeck_home / "labs" / "pool-busy")
