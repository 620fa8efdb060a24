"""Issue 22: a newcomer at exactly 80×24 sees every button, result and key hint without resizing.

Each test walks one point of the issue on the smallest supported terminal: a widget counts as
shown when the screen's compositor places it wholly inside the visible part of its container.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from screens2_fakes import FixedKms, FixedPlatform
from textual.widgets import Footer, Input, Static
from tui_fakes import burst, open_labs, shown

from core.kms.frozen import DEBUG_MODE, KEYS, denied
from tui.commands import NitrodeckCommands
from tui.engine.access import PlatformHolder
from tui.engine.kms_access import KmsAccess
from tui.presenters.long_values import LONG_HEX
from tui.screens.confirm import ConfirmScreen
from tui.screens.doctor import DoctorScreen
from tui.screens.kms import KmsScreen
from tui.screens.kms_decrypt import DecryptScreen
from tui.widgets.breadcrumbs import Breadcrumbs
from tui.widgets.form_grid import FormGrid

SMALL = (80, 24)


def footer_keys(app: Any) -> list[str]:
    return [str(key.description) for key in app.screen.query_one(Footer).query("FooterKey")]


async def test_labs_check_result_is_on_screen(make_app: Any, wait: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_labs(app, pilot, wait)
        name = screen.table.cursor_key
        assert name is not None
        screen._done(name, "not yet\n✗ no enclave named lab is running")
        await wait(pilot)
        panel = screen.query_one("#lab-panel")
        text = str(screen.query_one("#lab-text", Static).render())
        assert text.startswith("not yet\n✗ no enclave named lab is running")  # first, above
        assert panel.scroll_y == 0 and panel.size.height >= 8  # the story below it


def kms_screen() -> KmsScreen:
    return KmsScreen(kms=KmsAccess(client=FixedKms()), platform=FixedPlatform())  # type: ignore[arg-type]


async def open_decrypt(app: Any, pilot: Any, wait: Any) -> DecryptScreen:
    await wait(pilot)
    await app.push_screen(kms_screen())
    await wait(pilot)
    await pilot.press("d")
    await wait(pilot)
    screen = app.screen
    assert isinstance(screen, DecryptScreen)
    return screen


async def test_decrypt_form_behaves_like_every_form(make_app: Any, wait: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_decrypt(app, pilot, wait)
        # d on a key prefills its id; one pair per row, so labels never meet placeholders
        assert screen.field("key").value == next(iter(KEYS))
        assert screen.query_one(FormGrid).has_class("-narrow")
        assert screen.field("enclave").has_focus
        burst(app, *"demo", "tab", *"/srv/x.enc")
        await wait(pilot)
        assert screen.field("enclave").value == "demo"
        assert screen.field("ciphertext").value == "/srv/x.enc"
        await pilot.press("escape")  # leaves the field, keeps the text
        assert app.screen is screen and screen.focused is None
        assert screen.field("ciphertext").value == "/srv/x.enc"
        await pilot.press("escape")  # leaving the form asks, naming the edits
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.target == "edited: enclave, ciphertext"
        await pilot.press("n")
        await wait(pilot)
        assert app.screen is screen and screen.focused is screen.field("enclave")  # editing on
        # leaving by a `:` command (from outside the fields) asks too
        await pilot.press("escape", "colon", *"doctor", "enter")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait(pilot)
        assert isinstance(app.screen, DoctorScreen)


async def test_decrypt_denial_shows_each_pcr_whole_once(make_app: Any, wait: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_decrypt(app, pilot, wait)
        result = denied(DEBUG_MODE)
        for step in result.steps:
            screen._add_step(step)
        screen._show_result(result)
        await wait(pilot)
        texts = [
            str(screen.query_one(f"#decrypt-{part}", Static).render())
            for part in ("status", "findings")
        ]
        whole = [value for text in texts for value in LONG_HEX.findall(text)]
        assert whole and len(whole) == len(set(whole))  # never the same value twice in full


async def test_narrow_lists_keep_the_key_columns_and_a_detail_pane(
    make_app: Any, wait: Any
) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        app.run_command("doctor")
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, DoctorScreen)
        assert screen.table.visible_columns == ["check", "result", "detail"]
        key = screen.table.cursor_key
        assert key is not None
        evidence = screen.table.all_rows[key][2]
        assert evidence in str(screen.query_one("#doctor-detail", Static).render())
        await pilot.resize_terminal(120, 40)
        await wait(pilot)
        assert screen.table.visible_columns == ["check", "result", "detail", "fix"]


async def test_y_copies_the_highlighted_value_whole(make_app: Any, wait: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        await app.push_screen(kms_screen())
        await wait(pilot)
        await pilot.press("y")
        assert app.clipboard == next(iter(KEYS))


async def test_empty_lists_say_what_fills_them(make_app: Any, wait: Any) -> None:
    from tui.screens.fleet import FleetScreen

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        await app.push_screen(FleetScreen(targets=[]))
        await wait(pilot)
        status = str(app.screen.query_one("#list-status", Static).render())
        assert "no members" in status and "ctx add" in status and ":ctx" in status


async def test_palette_finds_the_consoles_actions(make_app: Any, wait: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        names = [name for name, _help, _cb in NitrodeckCommands(app.screen)._commands()]
        assert "console: Follow" in names and "console: Search" in names
        assert "consoles: Filter" in names


async def test_footer_lists_the_views_own_keys_first(make_app: Any, wait: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        await app.push_screen(kms_screen())
        await wait(pilot)
        keys = footer_keys(app)
        assert keys[:3] == ["Decrypt", "Demo key", "Pin"], keys  # then Command, Help…
        assert app.screen.query_one(Footer).compact


async def test_breadcrumb_keeps_the_current_view_in_the_bar(make_app: Any, wait: Any) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        for view in ("doctor", "labs", "images", "pool", "attest", "kms", "ctx", "fleet"):
            app.run_command(view)
            await wait(pilot)
        bar = app.screen.query_one(Breadcrumbs)
        text = str(bar.render())
        assert text.startswith("… › ") and text.rstrip().endswith("fleet")
        assert len(text) <= bar.content_size.width


async def test_a_pool_below_the_driver_minimum_is_refused(
    make_app: Any, wait: Any, tmp_path: Path
) -> None:
    from core.platform.demo import DemoPlatform
    from tui.screens.pool import PoolScreen

    app = make_app(platform=PlatformHolder.of(DemoPlatform()))
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        await app.push_screen(PoolScreen(image_dir=tmp_path))
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, PoolScreen)
        screen.query_one("#pool-memory-mib", Input).value = "4"
        for _ in range(10):
            await wait(pilot)
        assert screen.plan is not None and not screen.plan.ok
        assert any("64 MiB every enclave needs" in v for v in screen.plan.violations)


async def test_pin_asks_in_a_form_that_behaves_like_every_form(make_app: Any, wait: Any) -> None:
    from tui.screens.fields_form import FieldsForm

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        kms = kms_screen()
        await app.push_screen(kms)
        await wait(pilot)
        await pilot.press("p")
        await wait(pilot)
        form = app.screen
        assert isinstance(form, FieldsForm) and next(iter(KEYS)) in form.title_text
        assert shown(form.query_one("#fields-ok"))
        await pilot.press(*"/srv/v2.eif", "escape", "escape")  # out of the field, then asks
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen) and app.screen.target == "edited: eif"
        await pilot.press("y")
        await wait(pilot)
        assert app.screen is kms


async def test_context_add_is_a_form_like_every_form(
    make_app: Any, wait: Any, tmp_path: Path
) -> None:
    from tui.contexts import load_contexts
    from tui.screens.fields_form import FieldsForm

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        app.run_command("ctx")
        await wait(pilot)
        status = str(app.screen.query_one("#list-status", Static).render())
        assert "a adds a context" in status  # only this machine: says how to add one
        await pilot.press("a")
        await wait(pilot)
        assert isinstance(app.screen, FieldsForm)
        burst(app, *"lab-2", "tab", *str(tmp_path / "lab2"), "ctrl+s")
        for _ in range(5):
            await wait(pilot)
        saved = load_contexts()
        assert saved["lab-2"].home == str(tmp_path / "lab2")
        assert "lab-2" in app.screen.table.all_rows  # type: ignore[attr-defined]
        await pilot.press("a")
        await wait(pilot)
        await pilot.press(*"prod", "tab", *"ftp://nope", "ctrl+s")
        for _ in range(5):
            await wait(pilot)
        assert "prod" not in load_contexts()  # refused: the error says why, nothing saved
