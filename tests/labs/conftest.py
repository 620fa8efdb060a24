"""Fixtures of the lab tests: a started lab, and `nitrodeck` run in its home as a learner would."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lab_support import LabSession

from core.home import Home
from core.labs.runner import LabRunner


@pytest.fixture
def start_lab(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[object]:
    runner = LabRunner(Home.resolve())
    started: list[str] = []

    def start(name: str) -> LabSession:
        status = runner.start(name)
        started.append(name)
        monkeypatch.chdir(status.env.home)
        return LabSession(status.env, monkeypatch, capsys)

    yield start
    for name in started:
        runner.reset(name)
