"""Snapshots of every screen at 120×36 with a frozen clock, fixed checks and a fake platform.

Regenerate with `make snapshot-update` after an intended visual change, and look at the SVGs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from tui_fakes import FakeEnclaves, FakeEnclavesScreen, fixed_images

from tui.screens.console import ConsoleScreen
from tui.screens.image_build import BuildScreen
from tui.screens.image_diff import ImageDiffScreen
from tui.screens.images import ImagesScreen
from tui.screens.pending import PendingScreen
from tui.screens.registry import View

SIZE = (120, 36)
CONSOLE = b"".join(f"[{n:4d}] init: step {n} ok\n".encode() for n in range(60)) + b"nsm: ready\n"


def test_home(snap_compare: Any, make_app: Any, wait: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=wait)


def test_home_read_only(snap_compare: Any, make_app: Any, wait: Any) -> None:
    assert snap_compare(make_app(read_only=True), terminal_size=SIZE, run_before=wait)


def test_command_mode(snap_compare: Any, make_app: Any, wait: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.press("colon", *"doc")
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_home_filtered(snap_compare: Any, make_app: Any, wait: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.press("slash", *"key")
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_doctor(snap_compare: Any, make_app: Any, wait: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        pilot.app.run_command("doctor")  # type: ignore[attr-defined]
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_help(snap_compare: Any, make_app: Any, wait: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        pilot.app.run_command("doctor")  # type: ignore[attr-defined]
        await wait(pilot)
        await pilot.press("question_mark")
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_pending_view(snap_compare: Any, make_app: Any, wait: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        # a view without its module (every real view may be built by now)
        view = View("kms", ("keys",), "keys, policies, the decrypt step-through", None)
        await pilot.app.push_screen(PendingScreen(view))
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_confirm_dialog(snap_compare: Any, make_app: Any, wait: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(FakeEnclavesScreen(FakeEnclaves()))
        await wait(pilot)
        await pilot.press("down", "ctrl+d")
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_console(snap_compare: Any, make_app: Any, wait: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(ConsoleScreen(lambda: iter([CONSOLE]), "i-0abc-enc1"))
        await wait(pilot)
        await pilot.press("slash", *"step 4", "enter")
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


SNAP_IMAGES = Path(tempfile.gettempdir()) / "nitrodeck-snapshot-images"


def test_images(snap_compare: Any, make_app: Any, wait: Any) -> None:
    where = fixed_images(SNAP_IMAGES / "list")

    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(ImagesScreen([where]))
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_image_diff(snap_compare: Any, make_app: Any, wait: Any) -> None:
    where = fixed_images(SNAP_IMAGES / "diff")

    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        screen = ImageDiffScreen(where / "web-api.eif", where / "web-api-next.eif")
        await pilot.app.push_screen(screen)
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_image_build_form(snap_compare: Any, make_app: Any, wait: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(BuildScreen(Path("/srv/images")))
        await wait(pilot)
        await pilot.press(*"./rootfs")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)
