"""Fakes shared by the app's tests and snapshots: a list screen with a dangerous action."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.widget import Widget

from core.demo_images import build_demo_images
from tui.bindings import dangerous
from tui.screens.labs import LabsScreen
from tui.screens.list_screen import ListScreen


class FakeEnclaves:
    """An in-memory platform: a dict of rows the test mutates between refreshes."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, str]] = {
            "i-aaa-enc1": ("alpha", "RUNNING"),
            "i-aaa-enc2": ("beta", "RUNNING"),
            "i-aaa-enc3": ("gamma", "RUNNING"),
        }
        self.terminated: list[str] = []
        self.lock = threading.Lock()

    def list(self) -> dict[str, tuple[str, str]]:
        with self.lock:
            return dict(self.rows)


class FakeEnclavesScreen(ListScreen):
    crumb = "enclaves"
    COLUMNS = (("name", "NAME"), ("state", "STATE"))
    REFRESH = 3600.0  # tests refresh explicitly with poll_now
    danger_question = "Terminate this enclave?"
    BINDINGS = [dangerous("ctrl+d", "danger", "Terminate")]

    def __init__(self, source: FakeEnclaves) -> None:
        super().__init__()
        self.source = source

    def fetch_rows(self) -> Mapping[str, Sequence[str]]:
        return self.source.list()

    def perform_danger(self, target: str) -> None:
        self.source.terminated.append(target)


def fixed_images(where: Path) -> Path:
    """The demo images at a fixed path, so snapshots that print paths stay identical."""
    shutil.rmtree(where, ignore_errors=True)
    build_demo_images(where / "images")
    return where / "images"


def burst(app: App[object], *keys: str) -> None:
    """Keys as one terminal read delivers them: all queued before any is handled."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


def shown(widget: Widget) -> bool:
    """On screen now, whole: inside the screen and not scrolled out of its container."""
    geometry = widget.screen.find_widget(widget)
    return geometry.clip.contains_region(geometry.region) and geometry.region.area > 0


SIZES = ((80, 24), (120, 40))
"""Every view is shot at the smallest supported terminal and at a roomy one."""


async def open_labs(app: Any, pilot: Any, wait: Any) -> LabsScreen:
    """The app settled, then `:labs` opened: its screen."""
    await wait(pilot)
    app.run_command("labs")
    await wait(pilot)
    screen = app.screen
    assert isinstance(screen, LabsScreen)
    return screen
