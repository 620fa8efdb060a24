"""Snapshots of the Labs view, the tour's narration over a view, and the saved consoles."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from tui_fakes import SIZES

from core.platform.demo import DemoPlatform
from tui.engine.access import PlatformHeaderProvider, PlatformHolder
from tui.screens.console_history import ConsoleHistoryScreen
from tui.screens.tour import NarrationScreen
from tui.tour import STEPS


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_labs(
    snap_compare: Any,
    make_app: Any,
    wait: Any,
    nitrodeck_home: Path,
    monkeypatch: Any,
    size: tuple[int, int],
) -> None:
    monkeypatch.setenv("HOME", str(nitrodeck_home))  # the panel shows ~/labs/<name>

    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        pilot.app.run_command("labs")  # type: ignore[attr-defined]
        await wait(pilot)
        await pilot.press("down", "down")
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_tour_narration(snap_compare: Any, make_app: Any, wait: Any, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        pilot.app.run_command("doctor")  # type: ignore[attr-defined]
        await wait(pilot)
        narration = NarrationScreen(STEPS[7].narration, 8, len(STEPS), 0.0)
        pilot.app.push_screen(narration)
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_saved_consoles(
    snap_compare: Any, make_app: Any, wait: Any, monkeypatch: Any, size: tuple[int, int]
) -> None:
    monkeypatch.setenv("TZ", "UTC")  # LAST WRITE is local time
    time.tzset()
    holder = PlatformHolder.of(DemoPlatform())
    app = make_app(platform=holder, header_provider=PlatformHeaderProvider(holder))

    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(ConsoleHistoryScreen())
        await wait(pilot)

    assert snap_compare(app, terminal_size=size, run_before=before)
