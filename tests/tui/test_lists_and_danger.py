"""The list base: rows updated by key, `/` filter, ctrl+d behind a confirmation, read-only."""

from __future__ import annotations

from tui_fakes import FakeEnclaves, FakeEnclavesScreen

from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.widgets.poller import Poller

SIZE = (120, 36)


async def open_fake(app, pilot, wait) -> tuple[FakeEnclavesScreen, FakeEnclaves]:
    source = FakeEnclaves()
    screen = FakeEnclavesScreen(source)
    await wait(pilot)
    await app.push_screen(screen)
    await wait(pilot)
    return screen, source


async def test_refresh_updates_rows_by_key_and_keeps_the_cursor(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, source = await open_fake(app, pilot, wait)
        table = screen.table
        assert table.shown_keys == ["i-aaa-enc1", "i-aaa-enc2", "i-aaa-enc3"]
        await pilot.press("down")
        assert table.cursor_key == "i-aaa-enc2"
        with source.lock:
            source.rows["i-aaa-enc1"] = ("alpha", "TERMINATING")
            del source.rows["i-aaa-enc3"]
            source.rows["i-aaa-enc4"] = ("delta", "RUNNING")
        screen.query_one(Poller).poll_now()
        await wait(pilot)
        assert table.shown_keys == ["i-aaa-enc1", "i-aaa-enc2", "i-aaa-enc4"]
        assert (table.last_delta.added, table.last_delta.updated, table.last_delta.removed) == (
            1,
            1,
            1,
        )
        assert table.get_cell("i-aaa-enc1", "state").plain == "TERMINATING"
        assert table.cursor_key == "i-aaa-enc2"  # nothing was rebuilt under the cursor


async def test_unchanged_refresh_touches_nothing(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, _source = await open_fake(app, pilot, wait)
        screen.query_one(Poller).poll_now()
        await wait(pilot)
        delta = screen.table.last_delta
        assert (delta.added, delta.updated, delta.removed) == (0, 0, 0)


async def test_filter_narrows_and_esc_restores(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, _source = await open_fake(app, pilot, wait)
        await pilot.press("slash", *"ETA")  # case-insensitive: matches "beta"
        await wait(pilot)
        assert screen.table.shown_keys == ["i-aaa-enc2"]
        assert "/ETA [1/3]" in str(screen.query_one("#list-status").render())
        await pilot.press("escape")
        await wait(pilot)
        assert screen.table.shown_keys == ["i-aaa-enc1", "i-aaa-enc2", "i-aaa-enc3"]
        assert app.screen is screen  # esc closed the filter, not the view


async def test_filter_survives_a_refresh(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, source = await open_fake(app, pilot, wait)
        await pilot.press("slash", *"gam", "enter")
        with source.lock:
            source.rows["i-aaa-enc5"] = ("gamma-2", "RUNNING")
        screen.query_one(Poller).poll_now()
        await wait(pilot)
        assert screen.table.shown_keys == ["i-aaa-enc3", "i-aaa-enc5"]


async def test_ctrl_d_confirms_naming_the_target_then_yes_acts(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, source = await open_fake(app, pilot, wait)
        await pilot.press("down", "ctrl+d")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.target == "i-aaa-enc2"
        assert app.screen.question == "Terminate this enclave?"
        await pilot.press("y")
        await wait(pilot)
        assert app.screen is screen
        assert source.terminated == ["i-aaa-enc2"]


async def test_ctrl_d_then_no_or_esc_does_nothing(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, source = await open_fake(app, pilot, wait)
        for key in ("n", "escape"):
            await pilot.press("ctrl+d")
            await wait(pilot)
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press(key)
            await wait(pilot)
            assert app.screen is screen
        assert source.terminated == []


async def test_confirm_buttons_work_with_the_mouse(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        _screen, source = await open_fake(app, pilot, wait)
        await pilot.press("ctrl+d")
        await wait(pilot)
        await pilot.click("#yes")
        await wait(pilot)
        assert source.terminated == ["i-aaa-enc1"]


async def test_read_only_hides_and_refuses_dangerous_actions(make_app, wait) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen, source = await open_fake(app, pilot, wait)
        assert "ctrl+d" not in screen.active_bindings  # so not in the footer or palette
        await pilot.press("ctrl+d")
        await wait(pilot)
        assert app.screen is screen and source.terminated == []
        await pilot.press("question_mark")
        await wait(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Terminate" not in dict(app.screen.keys).values()
        assert screen.query_one("#header-read-only")


async def test_dangerous_binding_shows_when_not_read_only(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, _source = await open_fake(app, pilot, wait)
        assert screen.active_bindings["ctrl+d"].binding.description == "Terminate"
