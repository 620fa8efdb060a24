"""Snapshots of the enclaves, run form and pool screens over the frozen demo platform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_fakes import SIZES

from core.agent.demo import build_demo_image
from core.platform.demo import DemoPlatform
from tui.engine.access import PlatformHeaderProvider, PlatformHolder
from tui.screens.enclaves import EnclavesScreen
from tui.screens.pool import PoolScreen


def demo_app(make_app: Any) -> Any:
    holder = PlatformHolder.of(DemoPlatform())
    return make_app(platform=holder, header_provider=PlatformHeaderProvider(holder))


def demo_images(where: Path) -> Path:
    """The screens show image names and sizes, never the directory: a tmp dir is fine."""
    build_demo_image(where / "demo.eif")  # reproducible: same bytes, same size every run
    return where


def enclaves_screen(where: Path) -> EnclavesScreen:
    return EnclavesScreen(image_dir=demo_images(where))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_enclaves_with_describe(
    snap_compare: Any,
    make_app: Any,
    wait: Any,
    tmp_path: Path,
    size: tuple[int, int],
) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(enclaves_screen(tmp_path))
        await wait(pilot)
        await pilot.press("d")
        await wait(pilot)

    assert snap_compare(demo_app(make_app), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_run_form_with_violations(
    snap_compare: Any,
    make_app: Any,
    wait: Any,
    tmp_path: Path,
    size: tuple[int, int],
) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(enclaves_screen(tmp_path))
        await wait(pilot)
        await pilot.press("r")
        await wait(pilot)
        pilot.app.screen.query_one("#run-cpu-count", Input).value = "3"
        pilot.app.screen.query_one("#run-cid", Input).value = "16"
        await wait(pilot)

    assert snap_compare(demo_app(make_app), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_pool(
    snap_compare: Any, make_app: Any, wait: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(PoolScreen(image_dir=demo_images(tmp_path)))
        await wait(pilot)
        pilot.app.screen.query_one("#pool-cpu-count", Input).value = "7"
        await wait(pilot)
        pilot.app.screen.set_focus(None)
        await wait(pilot)

    assert snap_compare(demo_app(make_app), terminal_size=size, run_before=before)
