"""The app opens on the Nitro platform (a fixture parent with the nitro-cli stand-in)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from core.platform.base import RunRequest
from core.platform.nitro.platform import NitroPlatform
from tui.app import make_app
from tui.engine.console_source import open_console
from tui.pilot import settle
from tui.screens.console import ConsoleScreen
from tui.screens.doctor import DoctorScreen

pytestmark = pytest.mark.slow


async def test_app_lists_enclaves_pool_and_doctor_on_nitro(
    nitro: NitroPlatform,
    eifs: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NITRODECK_CONFIG", str(tmp_path / "config.json"))
    info = nitro.run_enclave(
        RunRequest(eifs["printer"], memory_mib=64, cpu_count=2, debug_mode=True)
    )
    args = argparse.Namespace(platform="nitro", profile=None, read_only=True, theme=None)
    app = make_app(args)
    app.startup_tasks = []  # no local KMS or demo image: only the platform is under test
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.platform.name == "nitro"
        table = app.screen.table  # type: ignore[attr-defined]
        assert info.enclave_id in table.all_rows
        header = app.header_provider.header_info()
        assert header.instance_id == "i-0123456789abcdef0" and not header.simulated
        assert header.pool_cpus_total == 2 and header.pool_cpus_used == 2
        app.run_command("pool")
        await settle(pilot)
        app.run_command("doctor")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DoctorScreen)
        rows = screen.table.all_rows
        assert rows["enclave support enabled"][1] == "PASS"
        assert rows["nitro-cli"][2].startswith("Nitro CLI 1.")
        # the console view follows it through `nitro-cli console` (AF_VSOCK is off in tests)
        open_console(screen, info.enclave_id, "printer", follow=True)
        await pilot.pause(0.2)  # not settle(): a followed console's reader never finishes
        console = app.screen
        assert isinstance(console, ConsoleScreen)
        for _ in range(100):
            if "line 4" in console.log_view.lines:
                break
            await pilot.pause(0.05)
        assert "hello from the enclave" in console.log_view.lines
        app.pop_screen()  # closes the stream: the nitro-cli console process ends
        await pilot.pause(0.2)
