"""The tour drives the real views to its end headless, by timer or by key, and can be stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import tui.tour
from core.home import Home
from core.sandbox import stop_home
from tui.app import NitrodeckApp
from tui.engine.access import PlatformHolder
from tui.screens.tour import NarrationScreen
from tui.tour import STEPS

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def quick_settle(monkeypatch: pytest.MonkeyPatch, nitrodeck_home: Path) -> Iterator[None]:
    monkeypatch.setattr(tui.tour, "SETTLE", 0.15)
    yield
    stop_home(Home(nitrodeck_home))
    stop_home(Home(nitrodeck_home / "tour"))


async def _until(app: NitrodeckApp, pilot: object, done: Callable[[], bool]) -> None:
    for _ in range(600):
        if done():
            return
        await pilot.pause(0.05)  # type: ignore[attr-defined]
    raise AssertionError("the tour did not get there in 30 s")


async def test_tour_runs_to_its_end_on_a_timer(make_app: Callable[..., NitrodeckApp]) -> None:
    app = make_app(
        platform=PlatformHolder.for_args("sim", None, Home.resolve()),
        start_view="tour",
        tour_delay=0.05,
        tour_exit=True,
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await _until(app, pilot, lambda: app.tour is not None and not app.is_running)
    assert app.tour is not None
    assert app.tour.shown == [step.view for step in STEPS]
    # the story is real: the tour's enclave ran on the simulator, in the tour's own home
    assert app.platforms.home.label == "tour" and app.platforms.context == "tour"
    names = [e.name for e in app.platform.describe_enclaves()]
    assert "tour" in names


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
        assert app.screen.crumb == "images"  # type: ignore[attr-defined]
