"""One error path in the app: every screen action's error shows its code, message and fix."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textual.widgets import Static

from core.errors import NitrodeckError
from tui.screens.image_diff import ImageDiffScreen
from tui.screens.list_screen import ListScreen

SCREENS = Path(__file__).resolve().parents[2] / "tui" / "screens"


def test_no_screen_catches_every_exception_itself() -> None:
    """Screens hand errors to `run_job`; a bare `except Exception` there would hide bugs."""
    offenders = [
        path.name
        for path in SCREENS.glob("*.py")
        if re.search(r"except\s+(Exception|BaseException)\b", path.read_text())
    ]
    assert offenders == []


async def test_image_diff_shows_the_errors_code_and_fix(
    make_app: Any, wait: Any, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.eif"
    broken.write_bytes(b"not an eif at all")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(pilot)
        await app.push_screen(ImageDiffScreen(broken, broken))
        for _ in range(5):
            await wait(pilot)
        head = str(app.screen.query_one("#diff-head", Static).render())
        assert "Cannot compare" in head and "fix:" in head


async def test_a_failing_job_is_shown_with_its_fix_and_a_bug_as_unexpected(
    make_app: Any, wait: Any
) -> None:
    shown: list[str] = []
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait(pilot)
        screen = app.screen
        assert isinstance(screen, ListScreen)

        def refuse() -> None:
            raise NitrodeckError("the pool is full", where="pool", fix="terminate one first")

        def bug() -> None:
            raise KeyError("oops")

        screen.run_job(refuse, shown.append, failed=shown.append, group="t1")
        screen.run_job(bug, shown.append, failed=shown.append, group="t2")
        for _ in range(5):
            await wait(pilot)
        assert app.is_running
        joined = "\n".join(shown)
        assert "the pool is full" in joined and "[b]fix:[/] terminate one first" in joined
        assert "unexpected error[/] (KeyError)" in joined
