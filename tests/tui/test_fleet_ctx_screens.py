"""`:fleet` over served simulator homes and a dead host; `:ctx` switching the whole app."""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.home import Home
from core.platform.demo import DemoPlatform
from core.remote.target import Target
from tui.contexts import save_context
from tui.engine.access import PlatformHeaderProvider, PlatformHolder
from tui.screens.contexts import ContextsScreen
from tui.screens.fleet import FleetScreen

pytestmark = pytest.mark.slow


@pytest.fixture
def homes() -> Iterator[list[Path]]:
    """Short simulator homes (their vsock socket paths must fit AF_UNIX)."""
    made = [Path(tempfile.mkdtemp(prefix=f"nd-fleet{n}-")) for n in range(2)]
    yield made
    for home in made:
        shutil.rmtree(home, ignore_errors=True)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_fleet_lists_reachable_members_and_says_why_one_is_not(
    make_app, wait, homes: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NITRODECK_SSH_COMMAND", "ssh -F /dev/null -o BatchMode=yes")
    dead = f"ssh://127.0.0.1:{closed_port()}"
    targets = [
        Target(name="sim-1", home=str(homes[0])),
        Target(name="sim-2", home=str(homes[1])),
        Target(name="gone", host=dead),
    ]
    app = make_app()
    async with app.run_test(size=(140, 36)) as pilot:
        screen = FleetScreen(targets)
        await app.push_screen(screen)
        for _ in range(20):
            await wait(pilot)
            if len(screen.table.all_rows) == 3:
                break
        rows = screen.table.all_rows
        assert rows["sim-1"][1] == "ok" and rows["sim-2"][1] == "ok"
        assert rows["sim-1"][3] == "0/2"
        assert rows["gone"][1] == "UNREACHABLE" and "refused" in rows["gone"][6].lower()
        assert screen.sub_title == "1 unreachable"
        app.pop_screen()
        await wait(pilot)


async def test_ctx_switches_the_app_and_the_header_names_it(
    make_app, wait, homes: list[Path], isolated_config: Path
) -> None:
    save_context(Target(name="lab", home=str(homes[0])))
    holder = PlatformHolder(DemoPlatform, Home.resolve())
    app = make_app(platform=holder, header_provider=PlatformHeaderProvider(holder))
    try:
        async with app.run_test(size=(140, 36)) as pilot:
            app.run_command("ctx")
            await wait(pilot)
            screen = app.screen
            assert isinstance(screen, ContextsScreen)
            assert list(screen.table.all_rows) == ["local", "lab"]
            screen.table.move_cursor(row=1)
            await pilot.press("u")
            await wait(pilot)
            assert holder.context == "lab"
            assert not isinstance(holder.get(), DemoPlatform)
            assert screen.table.all_rows["lab"][0] == "*"
            label = PlatformHeaderProvider(holder).header_info().platform_label()
            assert label.startswith("ctx lab · SIMULATOR")
            saved = json.loads(isolated_config.read_text())
            assert saved["current_context"] == "lab"
    finally:
        from core.platform.select import set_target

        set_target(None)
        if holder.opened is not None:
            holder.opened.close()


async def test_the_kms_view_of_a_remote_simulator_uses_its_own_local_kms(
    make_app, wait, homes: list[Path], nitrodeck_home: Path
) -> None:
    from core.kms.local.daemon import stop_local_kms
    from core.remote.target import open_target

    remote = open_target(Target(name="lab", home=str(homes[0])), home=Home.resolve())
    app = make_app(platform=PlatformHolder.of(remote))
    try:
        async with app.run_test(size=(140, 36)) as pilot:
            app.run_command("kms")
            for _ in range(10):
                await wait(pilot)
                if "127.0.0.1" in app.screen.kms.label():  # type: ignore[attr-defined]
                    break
            assert app.screen.kms.label().startswith("local KMS at http://127.0.0.1:")  # type: ignore[attr-defined]
            assert (homes[0] / "kms" / "credentials").exists()
            assert not (nitrodeck_home / "kms").exists()
    finally:
        remote.close()
        stop_local_kms(Home(homes[0]))
