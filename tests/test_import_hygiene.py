"""The layers rule: core and enclave_agent never pull in textual or rich; the agent never
imports core or tui (it ships inside enclave images with only its own dependencies)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def modules_of(package: str) -> list[str]:
    path = ROOT / package
    names = [package]
    for info in pkgutil.walk_packages([str(path)], prefix=f"{package}."):
        names.append(info.name)
    return sorted(names)


def loaded_after_import(module: str) -> set[str]:
    code = (
        "import json, sys, importlib;"
        f"importlib.import_module({module!r});"
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(result.stdout))


HEADLESS = modules_of("core") + modules_of("enclave_agent")


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_module_does_not_load_ui(module: str) -> None:
    loaded = loaded_after_import(module)
    ui = sorted(m for m in loaded if m.split(".")[0] in {"textual", "rich"})
    assert ui == [], f"{module} pulls in {ui}"


@pytest.mark.parametrize("module", modules_of("enclave_agent"))
def test_agent_does_not_load_core_or_tui(module: str) -> None:
    loaded = loaded_after_import(module)
    upward = sorted(m for m in loaded if m.split(".")[0] in {"core", "tui"})
    assert upward == [], f"{module} imports {upward}"


def test_hygiene_sees_modules() -> None:
    # Guards the test itself: an empty module list would make the checks above vacuous.
    assert "core.errors" in HEADLESS and "enclave_agent" in HEADLESS


SCREEN_SIDE = [
    m for m in modules_of("tui") if m.split(".")[1:2] in (["screens"], ["engine"], ["presenters"])
]


@pytest.mark.parametrize("module", SCREEN_SIDE)
def test_screens_do_not_load_the_app(module: str) -> None:
    # Screens see the app through `tui.engine.host.ScreenHost`; importing `tui.app` from them
    # is how the old import cycles began.
    assert "tui.app" not in loaded_after_import(module), f"{module} imports tui.app"


def test_screen_side_is_seen() -> None:
    assert "tui.screens.base" in SCREEN_SIDE and "tui.engine.access" in SCREEN_SIDE
