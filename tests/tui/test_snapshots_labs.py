"""Snapshots of the Labs view, the tour's narration over a view, and the saved consoles."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from core.platform.demo import DemoPlatform
from tui.engine.access import PlatformHeaderProvider, PlatformHolder
from tui.screens.console_history import ConsoleHistoryScreen
from tui.screens.tour import NarrationScreen
from tui.tour import STEPS

SIZE = (120, 36)


def test_labs(
    snap_compare: Any, make_app: Any, wait: Any, nitrodeck_home: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("HOME", str(nitrodeck_home))  # the panel shows ~/labs/<name>

    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        pilot.app.run_command("labs")  # type: ignore[attr-defined]
        await wait(pilot)
        await pilot.press("down", "down")
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_tour_narration(snap_compare: Any, make_app: Any, wait: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        pilot.app.run_command("doctor")  # type: ignore[attr-defined]
        await wait(pilot)
        narration = NarrationScreen(STEPS[7].narration, 8, len(STEPS), 0.0)
        pilot.app.push_screen(narration)
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_saved_consoles(snap_compare: Any, make_app: Any, wait: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("TZ", "UTC")  # LAST WRITE is local time
    time.tzset()
    holder = PlatformHolder.of(DemoPlatform())
    app = make_app(platform=holder, header_provider=PlatformHeaderProvider(holder))

    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(ConsoleHistoryScreen())
        await wait(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=before)
