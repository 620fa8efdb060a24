"""core.doctor and `nitrodeck doctor`: real checks, clear fixes, exit 1 on a failure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.doctor import (
    Check,
    basic_checks,
    check_home_writable,
    check_packages,
    check_python,
    check_terminal_size,
    run_checks,
)
from core.home import Home
from tui.cli.main import main


def test_python_version_gate() -> None:
    assert check_python((3, 11, 7)).ok
    old = check_python((3, 10, 12))
    assert not old.ok and "3.11" in old.evidence and old.hint


def test_missing_package_is_named_with_the_pip_fix() -> None:
    result = check_packages(("textual", "no_such_package_nitrodeck"))
    assert not result.ok
    assert result.evidence == "missing: no_such_package_nitrodeck"
    assert "pip install no_such_package_nitrodeck" in result.hint


def test_home_not_writable_says_where(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = check_home_writable(Home(blocker / "home"))
    assert not result.ok and str(blocker) in result.evidence and "NITRODECK_HOME" in result.hint
    assert check_home_writable(Home(tmp_path / "ok")).ok


def test_terminal_size() -> None:
    assert check_terminal_size((120, 36)).ok
    small = check_terminal_size((70, 20))
    assert not small.ok and "80×24" in small.hint
    missing = check_terminal_size(None)
    assert not missing.ok and "describe-enclaves" in missing.hint


def test_a_crashing_provider_becomes_a_failed_check() -> None:
    def broken() -> list[Check]:
        raise RuntimeError("sysfs went away")

    results = run_checks([lambda: [Check.verdict("a", True, "fine")], broken])
    assert [r.ok for r in results] == [True, False]
    assert "sysfs went away" in results[1].evidence


def test_basic_checks_pass_here() -> None:
    assert all(check.ok for check in basic_checks(Home.resolve(), (120, 36)))


def test_cli_doctor_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tui.cli.doctor.current_terminal_size", lambda: (100, 30))
    assert main(["doctor", "--json"]) == 0
    checks = json.loads(capsys.readouterr().out)
    assert {c["name"] for c in checks} >= {"python version", "required packages"}
    assert all(set(c) == {"name", "status", "evidence", "hint"} for c in checks)


def test_cli_doctor_fails_with_exit_1_and_shows_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("NITRODECK_HOME", str(blocker / "home"))
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] nitrodeck home writable" in out and "fix: set NITRODECK_HOME" in out
