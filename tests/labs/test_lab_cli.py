"""`nitrodeck lab` without starting the slow parts: the library, progress, hints, errors."""

from __future__ import annotations

import json

import pytest

from core.home import Home
from core.labs.catalog import LABS
from core.labs.progress import ProgressStore
from core.labs.runner import LabRunner
from tui.cli.main import main


def test_list_names_every_lab_with_its_progress(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [lab["name"] for lab in listed] == [lab.name for lab in LABS]
    assert {lab["state"] for lab in listed} == {"not started"}
    assert all(lab["hints"] >= 3 and lab["symptom"] and lab["goal"] for lab in listed)


def test_unknown_lab_names_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "start", "no-such-lab"]) == 2
    err = capsys.readouterr().err
    assert "no lab 'no-such-lab'" in err and "debug-mode" in err
    assert "preparing" not in err  # the name is checked before any work is announced


def test_check_before_start_says_how_to_start(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "check", "pool-busy"]) == 2
    assert "nitrodeck lab start pool-busy" in capsys.readouterr().err
    assert main(["lab", "check"]) == 2
    assert "no lab is in progress" in capsys.readouterr().err


def test_read_only_refuses_start_and_reset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--read-only", "lab", "start", "happy-path"]) == 2
    assert main(["--read-only", "lab", "reset", "happy-path"]) == 2
    assert "read-only" in capsys.readouterr().err


def test_hints_are_graded_and_remembered(capsys: pytest.CaptureFixture[str]) -> None:
    runner = LabRunner(Home.resolve())
    runner.start("happy-path")  # sets nothing running: the learner builds everything
    try:
        assert main(["lab", "hint", "--json"]) == 0
        first = json.loads(capsys.readouterr().out)
        assert len(first["hints"]) == 1
        assert main(["lab", "hint", "--json"]) == 0
        assert len(json.loads(capsys.readouterr().out)["hints"]) == 2
        assert ProgressStore(runner.root).get("happy-path").hints == 2
        assert main(["lab", "hint", "--all"]) == 0
        assert f"hint {len(LABS[0].hints)}/{len(LABS[0].hints)}" in capsys.readouterr().out
        assert main(["lab", "check"]) == 1  # nothing built yet
        assert "✗ app.eif is built" in capsys.readouterr().out
        assert main(["lab", "status", "--json"]) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["checks"] == 1 and status["state"] == "started"
    finally:
        runner.reset("happy-path")
    assert ProgressStore(runner.root).get("happy-path").state == "not started"


def test_a_shell_inside_a_lab_home_finds_the_lab(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = LabRunner(Home.resolve())
    status = runner.start("happy-path")
    try:
        monkeypatch.setenv("NITRODECK_HOME", str(status.env.home))
        inside = LabRunner(Home.resolve())
        assert inside.root == runner.root
        assert inside.status().lab.name == "happy-path"
    finally:
        runner.reset("happy-path")
