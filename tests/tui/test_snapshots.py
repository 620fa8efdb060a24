"""Snapshots of every screen at 120×40 with a frozen clock, fixed checks and a fake platform.

Regenerate with `make snapshot-update` after an intended visual change, and look at the SVGs.
Each test is a list of steps: a view name (opened with `:`), a screen factory (pushed), or a
tuple of keys (pressed); the app settles after each.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from tui_fakes import SIZES, FakeEnclaves, FakeEnclavesScreen, fixed_images

from tui.pilot import settle
from tui.screens.console import ConsoleScreen
from tui.screens.fleet import FleetScreen
from tui.screens.image_build import BuildScreen
from tui.screens.image_diff import ImageDiffScreen
from tui.screens.images import ImagesScreen

SIZE = (120, 40)
CONSOLE = b"".join(f"[{n:4d}] init: step {n} ok\n".encode() for n in range(60)) + b"nsm: ready\n"
SNAP_IMAGES = Path(tempfile.gettempdir()) / "nitrodeck-snapshot-images"

Step = str | tuple[str, ...] | Callable[[], Screen[Any]]


def steps(*actions: Step) -> Callable[[Pilot[Any]], Any]:
    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for action in actions:
            if isinstance(action, str):
                pilot.app.run_command(action)  # type: ignore[attr-defined]
            elif isinstance(action, tuple):
                await pilot.press(*action)
            else:
                await pilot.app.push_screen(action())
            await settle(pilot)

    return before


def shot(snap_compare: Any, size: tuple[int, int], app: Any, *actions: Step) -> bool:
    return bool(snap_compare(app, terminal_size=size, run_before=steps(*actions)))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_home(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    assert shot(snap_compare, size, make_app())


def test_home_read_only(snap_compare: Any, make_app: Any) -> None:
    assert shot(snap_compare, SIZE, make_app(read_only=True))


def test_command_mode(snap_compare: Any, make_app: Any) -> None:
    assert shot(snap_compare, SIZE, make_app(), ("colon", *"doc"))


def test_home_filtered(snap_compare: Any, make_app: Any) -> None:
    assert shot(snap_compare, SIZE, make_app(), ("slash", *"key"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_doctor(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    assert shot(snap_compare, size, make_app(), "doctor")


def test_help(snap_compare: Any, make_app: Any) -> None:
    assert shot(snap_compare, SIZE, make_app(), "doctor", ("question_mark",))


def test_confirm_dialog(snap_compare: Any, make_app: Any) -> None:
    fake = lambda: FakeEnclavesScreen(FakeEnclaves())  # noqa: E731
    assert shot(snap_compare, SIZE, make_app(), fake, ("down", "ctrl+d"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_console(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    console = lambda: ConsoleScreen(lambda: iter([CONSOLE]), "i-0abc-enc1")  # noqa: E731
    assert shot(snap_compare, size, make_app(), console, ("slash", *"step 4", "enter"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_images(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    where = fixed_images(SNAP_IMAGES / "list")
    assert shot(snap_compare, size, make_app(), lambda: ImagesScreen([where]))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_image_diff(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    where = fixed_images(SNAP_IMAGES / "diff")
    diff = lambda: ImageDiffScreen(where / "web-api.eif", where / "web-api-next.eif")  # noqa: E731
    assert shot(snap_compare, size, make_app(), diff)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_image_build_form(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    build = lambda: BuildScreen(Path("/srv/images"))  # noqa: E731
    assert shot(snap_compare, size, make_app(), build, tuple("./rootfs"))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_contexts(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    """Only this machine: the status line says how to add another."""
    assert shot(snap_compare, size, make_app(), "ctx")


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_fleet_empty(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    """No members: the status line says what fills the fleet and how."""
    assert shot(snap_compare, size, make_app(), lambda: FleetScreen(targets=[]))
