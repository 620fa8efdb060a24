"""The app opens on the Nitro platform (a fixture parent with the nitro-cli stand-in)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from core.platform.base import RunRequest
from core.platform.nitro.platform import NitroPlatform
from tui.app import make_app
from tui.pilot import settle
from tui.screens.doctor import DoctorScreen

pytestmark = pytest.mark.slow


async def test_app_lists_enclaves_pool_and_doctor_on_nitro(
    nitro: NitroPlatform,
    eifs: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NITRODECK_CONFIG", str(tmp_path / "config.json"))
    info = nitro.run_enclave(RunRequest(eifs["printer"], memory_mib=64, cpu_count=2))
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
