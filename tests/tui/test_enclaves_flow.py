"""Pilot flows on the real simulator: run from the form, follow the console, terminate."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, Input

from core.agent.demo import build_demo_image
from core.eif import build_eif
from core.home import Home
from core.platform.base import RunRequest
from core.platform.sim.platform import SimPlatform
from tui.engine.access import PlatformHolder
from tui.screens.confirm import ConfirmScreen
from tui.screens.console import ConsoleScreen
from tui.screens.console_history import ConsoleHistoryScreen
from tui.screens.enclaves import EnclavesScreen
from tui.screens.run_form import RunForm
from tui.widgets.console_log import ConsoleLog


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimPlatform]:
    platform = SimPlatform("m5.xlarge", home=Home.resolve())
    yield platform
    platform.terminate_enclave(all_enclaves=True)
    platform.close()


@pytest.fixture
def images(tmp_path: Path) -> Path:
    where = tmp_path / "images"
    build_demo_image(where / "demo.eif")
    return where


async def wait_until(pilot: Any, condition: Any, rounds: int = 200) -> None:
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached")


@pytest.mark.slow
async def test_run_follow_and_terminate(
    make_app: Any, wait: Any, sim: SimPlatform, images: Path
) -> None:
    app = make_app(platform=PlatformHolder.of(sim), start_view="home")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait(pilot)
        await app.push_screen(EnclavesScreen(image_dir=images))
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, EnclavesScreen)
        await pilot.press("r")
        await wait(pilot)
        form = app.screen
        assert isinstance(form, RunForm)
        # Three CPUs break the pool's rules: the form says which, with the code, before running.
        form.query_one("#run-cpu-count", Input).value = "3"
        await wait(pilot)
        assert form.violations and form.violations[0].startswith("E22")
        assert form.request is None
        form.query_one("#run-cpu-count", Input).value = "2"
        form.query_one("#run-name", Input).value = "web"
        form.query_one("#run-debug", Checkbox).value = True
        await wait(pilot)
        assert form.violations == []
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: len(sim.describe_enclaves()) == 1)
        screen.refresh_now()
        await wait_until(pilot, lambda: screen.table.row_count == 1)
        info = sim.describe_enclaves()[0]
        assert info.name == "web" and info.debug
        cells = screen.table.all_rows[info.enclave_id]
        assert cells[0] == "web" and cells[5] == "RUNNING" and cells[6] == "yes"
        # Describe shows nitro-cli's describe JSON for the row.
        await pilot.press("d")
        await wait(pilot)
        assert info.enclave_id in str(screen.query_one("#describe").render())
        # Follow the console live.
        await pilot.press("l")
        await pilot.pause(0.2)  # not `wait`: a followed console's reader never completes
        console = app.screen
        assert isinstance(console, ConsoleScreen)
        log = console.query_one(ConsoleLog)
        await wait_until(pilot, lambda: log.line_count > 0)
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is screen
        # Terminate behind a confirmation naming the enclave.
        await pilot.press("ctrl+d")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "web" in app.screen.target and info.enclave_id in app.screen.target
        await pilot.press("y")
        await wait_until(pilot, lambda: sim.describe_enclaves() == [])
        await wait_until(pilot, lambda: screen.table.row_count == 0)


async def test_read_only_hides_run_and_terminate(
    make_app: Any, wait: Any, sim: SimPlatform
) -> None:
    app = make_app(platform=PlatformHolder.of(sim), read_only=True, start_view="enclaves")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, EnclavesScreen)
        keys = [key for key, _ in screen.help_keys()]
        assert "r" not in keys and "^d" not in keys
        assert "d" in keys and "l" in keys
        await pilot.press("r")
        await wait(pilot)
        assert app.screen is screen


async def test_reopen_the_console_of_an_exited_enclave(
    make_app: Any, wait: Any, sim: SimPlatform, tmp_path: Path
) -> None:
    rootfs = tmp_path / "rootfs"
    (rootfs / "app").mkdir(parents=True)
    (rootfs / "app" / "say.sh").write_text(
        "#!/bin/sh\necho 'hello from the past'\nexec sleep 600\n"
    )
    (rootfs / "app" / "say.sh").chmod(0o755)
    _, eif = build_eif(
        rootfs=rootfs, output=tmp_path / "say.eif", name="say", version="1", cmd=["/app/say.sh"]
    )
    info = sim.run_enclave(RunRequest(eif_path=eif, memory_mib=64, cpu_count=2, debug_mode=True))
    console_file = sim.console_path(info.enclave_id)
    for _ in range(200):
        if b"hello" in console_file.read_bytes():
            break
        time.sleep(0.05)
    sim.terminate_enclave(enclave_id=info.enclave_id)
    app = make_app(platform=PlatformHolder.of(sim), start_view="enclaves")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait(pilot)
        await pilot.press("h")
        await wait(pilot)
        history = app.screen
        assert isinstance(history, ConsoleHistoryScreen)
        assert history.table.all_rows[info.enclave_id][3] == "exited"
        await pilot.press("enter")
        await wait(pilot)  # a history stream ends by itself: waiting for workers is fine
        console = app.screen
        assert isinstance(console, ConsoleScreen)
        log = console.query_one(ConsoleLog)
        assert any("hello from the past" in line for line in log.lines)
        assert console.state == "stream ended"
