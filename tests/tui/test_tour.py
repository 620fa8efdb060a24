"""The tour drives the real views to its end headless, by timer or by key, and can be stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import tui.tour
from core.home import Home
from core.sandbox import stop_home
from core.tour import tour_home as core_tour_home
from tui.app import NitrodeckApp
from tui.engine.access import PlatformHolder
from tui.screens.tour import NarrationScreen
from tui.tour import STEPS


def running(home: Home) -> list[str]:
    """The enclaves running on the simulator in `home`."""
    from core.platform.sim.platform import SimPlatform

    platform = SimPlatform(home=home)
    try:
        return [e.name for e in platform.describe_enclaves()]
    finally:
        platform.close()


def tour_home(home: Path) -> Home:
    return core_tour_home(Home(home))


pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def quick_settle(monkeypatch: pytest.MonkeyPatch, nitrodeck_home: Path) -> Iterator[None]:
    monkeypatch.setattr(tui.tour, "SETTLE", 0.15)
    yield
    stop_home(Home(nitrodeck_home))
    stop_home(tour_home(nitrodeck_home))


async def _until(app: NitrodeckApp, pilot: object, done: Callable[[], bool]) -> None:
    for _ in range(600):
        if done():
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    raise AssertionError("the tour did not get there in 30 s")


async def test_tour_runs_to_its_end_on_a_timer(
    make_app: Callable[..., NitrodeckApp], nitrodeck_home: Path
) -> None:
    """As `nitrodeck tour` runs it: in place (its home is the app's), on a timer, then quits."""
    app = make_app(
        platform=PlatformHolder.for_args("sim", None, Home.resolve()),
        start_view="tour",
        tour_delay=0.05,
        tour_exit=True,
        tour_in_place=True,
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await _until(app, pilot, lambda: app.tour is not None and not app.is_running)
    assert app.tour is not None
    assert app.tour.shown == [step.view for step in STEPS]
    # the story is real: the tour's enclave ran on the simulator
    assert "tour" in running(Home(nitrodeck_home))


async def test_in_app_tour_runs_in_its_own_home_and_leaves_nothing_running(
    make_app: Callable[..., NitrodeckApp], nitrodeck_home: Path
) -> None:
    """`:tour` then esc at 80x24: the story ran in <home>/tour, not in the operator's home, and
    its enclave is gone once the tour ends; the operator is back where they were."""
    app = make_app(
        platform=PlatformHolder.for_args("sim", None, Home.resolve()), start_view="enclaves"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        own = app.platforms
        app.run_command("tour")
        await _until(app, pilot, lambda: app.tour is not None and len(app.tour.shown) >= 1)
        await _until(app, pilot, lambda: isinstance(app.screen, NarrationScreen))
        assert app.tour is not None and app.tour.home == tour_home(nitrodeck_home)
        assert "tour" in running(tour_home(nitrodeck_home))
        assert "tour" not in running(Home(nitrodeck_home))
        await pilot.press("escape")
        await _until(app, pilot, lambda: app.platforms is own)
        await pilot.pause(0.2)
        assert running(tour_home(nitrodeck_home)) == []
        assert "tour" not in running(Home(nitrodeck_home))
        assert app.screen.crumb in ("enclaves", "tour")  # type: ignore[attr-defined]


async def test_tour_waits_for_a_key_and_esc_ends_it(make_app: Callable[..., NitrodeckApp]) -> None:
    app = make_app(platform=PlatformHolder.for_args("sim", None, Home.resolve()), start_view="tour")
    async with app.run_test(size=(120, 36)) as pilot:
        await _until(app, pilot, lambda: isinstance(app.screen, NarrationScreen))
        assert app.tour is not None and app.tour.shown == ["home"]
        await pilot.pause(0.3)
        assert app.tour.shown == ["home"]  # no timer: it waits
        await pilot.press("space")
        await _until(app, pilot, lambda: len(app.tour.shown) == 2)  # type: ignore[union-attr]
        await _until(app, pilot, lambda: isinstance(app.screen, NarrationScreen))
        assert app.screen.query_one("#narration").border_title == f"tour 2/{len(STEPS)}"
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, NarrationScreen)
        assert app.tour.shown == ["home", "images"]
        assert app.screen.crumb == "tour"  # type: ignore[attr-defined]  # back where it began
