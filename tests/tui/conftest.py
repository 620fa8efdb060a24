"""Fixtures for the app's tests: isolated config, a fake platform header, a frozen clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from core.checks import Check
from core.home import Home
from tui.app import NitrodeckApp
from tui.header import DEMO_SIMULATOR, StaticHeaderProvider
from tui.pilot import settle

FROZEN = datetime(2026, 11, 27, 12, 34, 56)
SIM_INFO = DEMO_SIMULATOR
FIXED_CHECKS = [
    Check.verdict("python version", True, "Python 3.11.7"),
    Check.verdict("nitrodeck home writable", True, "/home/op/.local/state/nitrodeck"),
    Check.verdict(
        "terminal size", False, "70×20 (the app needs at least 80×24)", "enlarge the window"
    ),
]


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "config.json"
    monkeypatch.setenv("NITRODECK_CONFIG", str(path))
    return path


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes screenshots depend on timing."""
    monkeypatch.setattr(Input, "cursor_blink", False)


@pytest.fixture(autouse=True)
def no_leftover_local_kms(nitrodeck_home: Path) -> Iterator[None]:
    """The KMS view starts this home's local KMS daemon on first use: stop it after the test."""
    yield
    from core.kms.local.daemon import stop_local_kms

    stop_local_kms(Home(nitrodeck_home))


@pytest.fixture
def make_app() -> Callable[..., NitrodeckApp]:
    def factory(**overrides: Any) -> NitrodeckApp:
        options: dict[str, Any] = {
            "header_provider": StaticHeaderProvider(SIM_INFO),
            "clock": lambda: FROZEN,
            "check_providers": [lambda: FIXED_CHECKS],
        }
        options.update(overrides)
        return NitrodeckApp(**options)

    return factory


@pytest.fixture
def wait() -> Callable[[Pilot[Any]], Awaitable[None]]:
    return settle
