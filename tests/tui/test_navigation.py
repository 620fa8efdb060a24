"""k9s-style navigation: `:` commands and aliases, esc back, breadcrumbs, `?` help, palette."""

from __future__ import annotations

from tui.commands import NitrodeckCommands
from tui.screens.doctor import DoctorScreen
from tui.screens.help import HelpScreen
from tui.screens.home import HomeScreen
from tui.widgets.breadcrumbs import Breadcrumbs
from tui.widgets.command_bar import CommandBar
from tui.widgets.header_bar import HeaderBar

SIZE = (120, 36)


async def test_starts_on_home_with_header_from_provider(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        assert isinstance(app.screen, HomeScreen)
        header = app.screen.query_one(HeaderBar)
        assert "SIMULATOR" in str(header.query_one("#header-platform").render())
        assert "CPUs 2/4" in str(header.query_one("#header-pool").render())
        assert str(header.query_one("#header-clock").render()) == "12:34:56"


async def test_command_mode_opens_view_by_alias_and_esc_goes_back(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        await pilot.press("colon")
        bar = app.screen.query_one(CommandBar)
        assert bar.has_focus and bar.has_class("-open")
        await pilot.press(*"dr", "enter")
        await wait(pilot)
        assert isinstance(app.screen, DoctorScreen)
        await pilot.press("escape")
        await wait(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("escape")  # the last view stays
        await wait(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_every_alias_resolves_to_its_view(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        for alias, crumb in [
            ("ec", "enclaves"),
            ("img", "images"),
            ("pool", "pool"),
            ("attest", "attest"),
            ("kms", "kms"),
            ("doctor", "doctor"),
        ]:
            assert app.run_command(alias)
            await wait(pilot)
            assert app.screen.crumb == crumb  # type: ignore[attr-defined]


async def test_unknown_command_keeps_the_view_and_says_so(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        await pilot.press("colon", *"bogus", "enter")
        await wait(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert any("unknown command 'bogus'" in n.message for n in app._notifications)


async def test_esc_in_command_bar_cancels_without_leaving(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        await pilot.press("colon", *"doctor", "escape")
        await wait(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert not app.screen.query_one(CommandBar).has_class("-open")


async def test_colon_q_quits(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        await pilot.press("colon", "q", "enter")
        await wait(pilot)
        assert not app.is_running


async def test_breadcrumbs_follow_the_screen_stack(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        app.run_command("doctor")
        await wait(pilot)
        assert app.screen.query_one(Breadcrumbs).crumbs() == ["home", "doctor"]
        app.run_command("kms")
        await wait(pilot)
        assert app.screen.crumb == "kms"  # type: ignore[attr-defined]
        assert app.screen.query_one(Breadcrumbs).crumbs() == ["home", "doctor", "kms"]
        # Opening a view already in the stack returns to it rather than stacking a copy.
        app.run_command("home")
        await wait(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one(Breadcrumbs).crumbs() == ["home"]


async def test_help_lists_the_current_screens_keys(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        app.run_command("doctor")
        await wait(pilot)
        await pilot.press("question_mark")
        await wait(pilot)
        assert isinstance(app.screen, HelpScreen)
        keys = dict(app.screen.keys)
        assert keys["r"] == "Re-run"
        assert keys["/"] == "Filter" and keys[":"] == "Command" and keys["esc"] == "Back"
        assert "↑" not in keys and "tab" not in keys  # generic keys are not the screen's story
        await pilot.press("escape")
        await wait(pilot)
        assert isinstance(app.screen, DoctorScreen)


async def test_enter_on_home_row_opens_that_view(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        await pilot.press("/", *"doctor", "enter")  # filter to one row, back to the table
        await pilot.press("enter")
        await wait(pilot)
        assert isinstance(app.screen, DoctorScreen)


async def test_palette_provider_lists_views_and_screen_actions(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        app.run_command("doctor")
        await wait(pilot)
        provider = NitrodeckCommands(app.screen)
        names = [name for name, _help, _cb in provider._commands()]
        assert "Open enclaves" in names and "Open doctor" in names
        assert "Re-run" in names and "Filter" in names
        run = dict((name, cb) for name, _help, cb in provider._commands())
        run["Open kms"]()
        await wait(pilot)
        assert app.screen.crumb == "kms"  # type: ignore[attr-defined]


async def test_mouse_click_on_a_home_row_selects_it(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        table = app.screen.table  # type: ignore[attr-defined]
        # Row 2 of the table (images): header line + 2 rows down from the table's top.
        await pilot.click(table, offset=(2, 3))
        await wait(pilot)
        assert table.cursor_key == "pool"


async def test_palette_lists_every_views_actions_and_runs_them_there(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        app.run_command("doctor")
        await wait(pilot)
        commands = {name: cb for name, _help, cb in NitrodeckCommands(app.screen)._commands()}
        # Not only the doctor's keys: every view's actions, named by their view.
        for name in ("images: Build", "pool: Fit", "attest: Attest", "enclaves: Terminate"):
            assert name in commands, sorted(commands)
        commands["images: Build"]()  # opens the images view, then its build form
        await wait(pilot)
        from tui.screens.image_build import BuildScreen

        assert isinstance(app.screen, BuildScreen)


async def test_palette_hides_other_views_dangerous_actions_in_read_only(make_app, wait) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        names = [name for name, _h, _cb in NitrodeckCommands(app.screen)._commands()]
        assert "enclaves: Describe" in names and "enclaves: Terminate" not in names


async def test_the_header_keeps_the_memory_figure_at_80_columns(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(pilot)
        header = app.screen.query_one(HeaderBar)
        pool = str(header.query_one("#header-pool").render())
        platform = str(header.query_one("#header-platform").render())
        assert pool == "CPUs 2/4 · 1024/8192 MiB" and "local" not in platform
        assert header.query_one("#header-pool").region.right <= 80 - len("12:34:56")
