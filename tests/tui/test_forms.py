"""The forms keep what was typed: esc leaves a field then the form (asking when edited),
ctrl+s submits from inside a field, and a burst of keys after tab lands in the next field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_images import make_rootfs
from textual.widgets import Checkbox, Input, Static
from tui_fakes import burst, shown

from core.agent.demo import build_demo_image
from tui.engine.access import PlatformHolder
from tui.screens.attest import AttestScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.enclaves import EnclavesScreen
from tui.screens.image_build import BuildScreen
from tui.screens.run_form import RunForm

SMALL = (80, 24)


async def open_run_form(app: Any, pilot: Any, wait: Any, images: Path) -> RunForm:
    await wait(pilot)
    await app.push_screen(EnclavesScreen(image_dir=images))
    await wait(pilot)
    await pilot.press("r")
    await wait(pilot)
    form = app.screen
    assert isinstance(form, RunForm)
    return form


async def test_run_form_typing_fast_lands_in_the_right_fields(
    make_app: Any, wait: Any, tmp_path: Path
) -> None:
    build_demo_image(tmp_path / "demo.eif")
    from core.platform.demo import DemoPlatform

    app = make_app(platform=PlatformHolder.of(DemoPlatform()))  # type: ignore[arg-type]
    async with app.run_test(size=SMALL) as pilot:
        form = await open_run_form(app, pilot, wait, tmp_path)
        burst(app, "tab", "tab", *"512", "tab", "tab", *"my demo")
        await wait(pilot)
        assert form.query_one("#run-memory", Input).value == "512"
        assert form.query_one("#run-name", Input).value == "my demo"
        # esc leaves the field and keeps everything; a second esc asks before dropping edits.
        await pilot.press("escape")
        assert app.screen is form and form.focused is None
        await pilot.press("escape")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.target == "edited: memory, name"
        await pilot.press("n")
        await wait(pilot)
        assert app.screen is form and form.query_one("#run-name", Input).value == "my demo"
        # The debug box says its state in words (its glyph alone reads the same on and off).
        debug = form.query_one("#run-debug", Checkbox)
        assert str(debug.label).startswith("off:")
        debug.value = True
        await wait(pilot)
        assert str(debug.label).startswith("ON:")
        # A cleared memory field is an error naming it, not a silent default.
        form.query_one("#run-memory", Input).value = ""
        await wait(pilot)
        assert form.violations[0].startswith("memory is empty")
        assert form.violations[0].count("fix:") == 1


async def open_build(app: Any, pilot: Any, wait: Any, out: Path) -> BuildScreen:
    await wait(pilot)
    screen = BuildScreen(out)
    await app.push_screen(screen)
    await wait(pilot)
    return screen


async def test_build_form_submits_with_ctrl_s_from_a_field(
    make_app: Any, wait: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_build(app, pilot, wait, tmp_path / "out")
        assert isinstance(screen.focused, Input)  # the source field
        await pilot.press("ctrl+s")  # inside the field: still submits (and says what is missing)
        await wait(pilot)
        assert "no source to build from" in str(screen.query_one("#build-result").render())
        await pilot.press(*"/nowhere")
        await pilot.press("escape", "escape")  # out of the field, then: asks, naming the edit
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen) and "source" in app.screen.target
        await pilot.press("y")
        await wait(pilot)
        assert app.screen is not screen


async def test_attest_form_esc_leaves_the_field_then_the_view(make_app: Any, wait: Any) -> None:
    app = make_app(start_view="home")
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        screen = AttestScreen(nonce_source=lambda n: bytes(n), step_delay=0)
        await app.push_screen(screen)
        await wait(pilot)
        await pilot.press(*"no-such-enclave")
        await pilot.press("escape")
        assert app.screen is screen and screen.field("source").value == "no-such-enclave"
        await pilot.press("escape")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen) and app.screen.target == "edited: source"
        await pilot.press("n")
        await wait(pilot)
        assert screen.focused is screen.field("source")  # "no" returns to the field
        screen.field("source").value = ""
        await pilot.press("escape", "escape")  # nothing edited any more: leaves without asking
        await wait(pilot)
        assert app.screen is not screen and not isinstance(app.screen, ConfirmScreen)


async def test_attest_tells_a_missing_file_from_a_missing_enclave(
    make_app: Any, wait: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait(pilot)
        screen = AttestScreen(nonce_source=lambda n: bytes(n), step_delay=0)
        await app.push_screen(screen)
        await wait(pilot)
        screen.field("source").value = str(tmp_path / "doc.cose")
        await screen.run_action("attest")
        await wait(pilot)
        status = str(screen.query_one("#attest-status").render())
        assert "no such file" in status and "E58" not in status


async def test_build_dialog_at_80x24_shows_its_buttons_then_the_path_and_pcrs(
    make_app: Any, wait: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_build(app, pilot, wait, tmp_path / "out")
        assert shown(screen.query_one("#build-go")) and shown(screen.query_one("#build-close"))
        rootfs = str(make_rootfs(tmp_path / "rootfs", "hello"))
        # typed fast, submitted at once: everything lands in its field before the build starts
        burst(app, *rootfs, "tab", *"hello", "tab", "tab", *"/bin/app", "ctrl+s")
        for _ in range(40):
            await wait(pilot)
            if screen.built is not None:
                break
        await wait(pilot)
        assert screen.built == tmp_path / "out" / "hello.eif"
        result = screen.query_one("#build-result", Static)
        text = str(result.render())
        assert str(screen.built) in text and screen.measurements is not None
        assert screen.measurements.pcr0 in "".join(text.split())
        assert shown(result)  # scrolled into view
        assert shown(screen.query_one("#build-go"))  # the buttons never scroll away
