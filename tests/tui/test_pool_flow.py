"""Pilot flow on the real simulator: edit the allocator settings, see the rules, apply."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from core.agent.demo import build_demo_image
from core.home import Home
from core.platform.base import RunRequest
from core.platform.sim.platform import SimPlatform
from tui.engine.access import PlatformHolder
from tui.screens.confirm import ConfirmScreen
from tui.screens.pool import PoolScreen
from tui.widgets.poller import Poller


@pytest.fixture
def sim() -> Iterator[SimPlatform]:
    platform = SimPlatform("m5.2xlarge", home=Home.resolve())
    yield platform
    platform.terminate_enclave(all_enclaves=True)
    platform.close()


async def test_edit_validate_and_apply_the_pool(
    make_app: Any, wait: Any, sim: SimPlatform, tmp_path: Path
) -> None:
    build_demo_image(tmp_path / "images" / "demo.eif")
    app = make_app(platform=PlatformHolder.of(sim))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait(pilot)
        await app.push_screen(PoolScreen(image_dir=tmp_path / "images"))
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, PoolScreen)
        assert screen.query_one("#pool-cpu-count", Input).value == "2"  # the shipped defaults
        assert "1 more demo.eif" in screen.fit_text and "E29" in screen.fit_text
        # A broken setting: every rule it breaks is listed, and apply refuses to ask.
        screen.query_one("#pool-cpu-count", Input).value = "0"
        await wait(pilot)
        assert screen.plan is not None and not screen.plan.ok
        assert any("cpu" in violation.lower() for violation in screen.plan.violations)
        screen.query_one("#pool-cpu-count", Input).focus()
        await pilot.press("ctrl+s")  # the submit key works from inside a field
        await wait(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        # A good one: apply after confirming, naming the settings.
        screen.query_one("#pool-cpu-count", Input).value = "4"
        screen.query_one("#pool-memory-mib", Input).value = "1024"
        await wait(pilot)
        assert screen.plan is not None and screen.plan.ok
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.target == "memory_mib 1024, cpu_count 4"
        await pilot.press("y")
        await wait(pilot)
        state = sim.pool_state()
        assert len(state.cpus) == 4 and state.memory_mib == 1024
        await wait(pilot)
        # 1024 MiB became one 1 GiB page: the first enclave takes it whole (nitro-cli's regions).
        assert "1 more demo.eif" in screen.fit_text and "E27" in screen.fit_text


async def test_read_only_cannot_apply(make_app: Any, wait: Any, sim: SimPlatform) -> None:
    app = make_app(platform=PlatformHolder.of(sim), read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait(pilot)
        await app.push_screen(PoolScreen())
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, PoolScreen)
        assert "^s" not in [key for key, _ in screen.help_keys()]
        screen.set_focus(None)
        await pilot.press("ctrl+s")
        await wait(pilot)
        assert app.screen is screen


async def test_esc_leaves_the_field_then_asks_before_dropping_edits(
    make_app: Any, wait: Any, sim: SimPlatform
) -> None:
    app = make_app(platform=PlatformHolder.of(sim), start_view="enclaves")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(pilot)
        app.run_command("pool")
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, PoolScreen)
        field = screen.query_one("#pool-cpu-pool", Input)
        field.focus()
        await pilot.press(*"1-2a")  # letters are typed, never taken for a key of the screen
        assert field.value == "1-2a"
        await pilot.press("escape")  # leaves the field, keeps the text
        assert app.screen is screen and screen.focused is None and field.value == "1-2a"
        await pilot.press("escape")  # leaves the view: asks first, naming the edit
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen) and "cpu pool" in app.screen.target
        await pilot.press("n")
        await wait(pilot)
        assert app.screen is screen and field.value == "1-2a"
        field.value = ""
        screen.query_one("#pool-memory-mib", Input).value = ""
        await wait(pilot)
        assert "memory_mib is empty" in str(screen.query_one("#pool-plan").render())


async def test_fit_answers_for_the_unsaved_edit_and_a_command_asks_first(
    make_app: Any, wait: Any, sim: SimPlatform, tmp_path: Path
) -> None:
    build_demo_image(tmp_path / "images" / "demo.eif")
    app = make_app(platform=PlatformHolder.of(sim), start_view="enclaves")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(pilot)
        await app.push_screen(PoolScreen(image_dir=tmp_path / "images"))
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, PoolScreen)
        assert "1 more demo.eif" in screen.fit_text  # the pool as it is: 2 CPUs
        screen.query_one("#pool-cpu-count", Input).value = "6"
        for _ in range(10):
            await wait(pilot)
        assert screen.fit_text.startswith("with your unsaved settings")
        assert "3 more demo.eif" in screen.fit_text  # 6 CPUs: three 2-CPU enclaves
        screen.set_focus(None)
        await pilot.press("colon", *"ec", "enter")  # leaving by a command asks too
        await wait(pilot)
        assert isinstance(app.screen, ConfirmScreen) and "cpu count" in app.screen.target
        await pilot.press("n")
        await wait(pilot)
        assert app.screen is screen


async def test_the_plan_is_judged_again_when_the_pool_or_its_enclaves_change(
    make_app: Any, wait: Any, sim: SimPlatform, tmp_path: Path
) -> None:
    """Terminated from a shell, the enclave was gone from the pool's picture, but the plan still
    refused the settings naming it ('Running now: demo') until a field was edited."""
    eif = tmp_path / "demo.eif"
    build_demo_image(eif)
    sim.run_enclave(RunRequest(eif_path=eif, memory_mib=64, cpu_count=2, enclave_name="demo"))
    app = make_app(platform=PlatformHolder.of(sim))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(pilot)
        await app.push_screen(PoolScreen(image_dir=tmp_path))
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, PoolScreen)
        screen.query_one("#pool-cpu-count", Input).value = "4"
        await wait(pilot)
        assert screen.plan is not None and not screen.plan.ok
        assert any("Running now: demo" in v for v in screen.plan.violations)
        sim.terminate_enclave(all_enclaves=True)
        screen.query_one("#pool-poller", Poller).poll_now()
        for _ in range(4):
            await wait(pilot)
        assert screen.plan is not None and screen.plan.ok, screen.plan.violations
