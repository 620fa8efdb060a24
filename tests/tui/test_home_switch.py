"""`:ctx` lists a started lab's home and the tour's; the app switches into one and back in its
own process (a `Home` handed down, nothing about the process changed), the header naming it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from core.home import Home
from core.labs.runner import LabRunner
from core.platform.sim.platform import SimPlatform
from core.sandbox import stop_home
from core.tour import tour_home
from tui.engine.access import PlatformHeaderProvider, PlatformHolder
from tui.screens.contexts import ContextsScreen

pytestmark = pytest.mark.slow


def _label(holder: PlatformHolder) -> str:
    return PlatformHeaderProvider(holder).header_info().platform_label()


async def _use(app: Any, pilot: Any, wait: Any, name: str) -> None:
    screen = app.screen
    assert isinstance(screen, ContextsScreen)
    screen.table.move_cursor(row=list(screen.table.all_rows).index(name))
    await pilot.press("u")
    await wait(pilot)
    await wait(pilot)


async def test_the_app_enters_a_lab_home_and_comes_back(
    make_app: Any, wait: Any, nitrodeck_home: Path, isolated_config: Path
) -> None:
    own = Home(nitrodeck_home)
    lab = LabRunner(own).start("pool-busy")  # a real lab: its image built, its enclave running
    tour = tour_home(own)
    tour.path.mkdir()
    holder = PlatformHolder.for_args("sim", None, own)
    app = make_app(platform=holder, header_provider=PlatformHeaderProvider(holder))
    before = dict(os.environ)
    try:
        async with app.run_test(size=(140, 36)) as pilot:
            await wait(pilot)
            mine = await asyncio.to_thread(holder.get)
            app.run_command("ctx")
            await wait(pilot)
            rows = app.screen.table.all_rows
            assert list(rows) == ["local", "lab:pool-busy", "tour"]
            assert rows["lab:pool-busy"][2] == f"home {lab.env.home}"
            assert rows["tour"][2] == f"home {tour.path}"

            await _use(app, pilot, wait, "lab:pool-busy")
            inside = await asyncio.to_thread(holder.get)
            # In this process: the lab's own simulator (not a served child), its enclave there.
            assert isinstance(inside, SimPlatform) and inside.home.path == lab.env.home
            assert holder.home.label == "lab:pool-busy"
            assert [e.name for e in await asyncio.to_thread(inside.describe_enclaves)] == ["lab"]
            assert _label(holder).startswith("ctx lab:pool-busy · SIMULATOR")
            assert app.screen.table.all_rows["lab:pool-busy"][0] == "*"

            await _use(app, pilot, wait, "local")
            back = await asyncio.to_thread(holder.get)
            assert isinstance(back, SimPlatform) and back.home == own and back is not mine
            assert await asyncio.to_thread(back.describe_enclaves) == []
            assert not _label(holder).startswith("ctx ")
            assert app.screen.table.all_rows["local"][0] == "*"
        # The process's environment never changed; the lab's home was entered for the session
        # only (`local`, a saved context, is saved as the current one).
        assert dict(os.environ) == before
        assert "lab:" not in isolated_config.read_text()
    finally:
        holder.close()
        stop_home(lab.env.as_home)
