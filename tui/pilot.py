"""Driving the app headless (tests, screenshots, benchmarks): wait until the screen is stable."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot


async def settle(pilot: Pilot[Any]) -> None:
    """Let timers fire, workers finish and screens switch (8.x waits 50 ms per switch).

    Pollers chain a timer, a worker and a message, hence the rounds; the last pause lets
    DataTable size its columns, which it does when idle.
    """
    for _ in range(3):
        await pilot.pause(0.06)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.1)
    await pilot.pause()
