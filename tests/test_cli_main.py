"""The command line's frame: help, unknown commands, and user errors without tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_help_lists_global_options() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "--platform" in result.stdout and "--read-only" in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


def test_nitro_cli_errors_print_bare_like_nitro_cli(tmp_path: Path) -> None:
    # nitro-cli's stderr starts "[ Exx ]"; scripts that grep for it must keep working.
    result = subprocess.run(
        [sys.executable, "-m", "tui", "--platform", "sim", "console", "--enclave-name", "nosuch"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NITRODECK_HOME": str(tmp_path)},
    )
    assert result.returncode == 58
    assert result.stderr.startswith("[ E58 ] Naming error.")


def test_other_user_errors_say_error_and_their_fix(tmp_path: Path) -> None:
    result = run_cli("ctx", "use", "no-such-context")
    assert result.returncode != 0
    assert result.stderr.startswith("error: ") and "fix: " in result.stderr
    assert "Traceback" not in result.stderr


def test_read_only_refuses_state_changing_commands(tmp_path: Path) -> None:
    for argv in (
        ["terminate-enclave", "--all"],
        ["pool", "apply", "--memory", "512", "--cpu-count", "2"],
        ["run-enclave", "--eif-path", "x.eif", "--memory", "512", "--cpu-count", "2"],
    ):
        result = run_cli("--read-only", "--platform", "sim", *argv)
        assert result.returncode == 2, argv
        assert "refused in --read-only mode" in result.stderr


def test_read_only_still_allows_looking() -> None:
    result = run_cli("--read-only", "--platform", "sim", "describe-enclaves", "--json")
    assert result.returncode == 0
    assert result.stdout.strip().startswith("[")


def test_app_path_parses_global_options_without_loading_commands() -> None:
    # Opening the app must not import every command group (boto3, the EIF builder...).
    code = (
        "import sys; from tui.cli.main import app_arguments;"
        "a = app_arguments(['--platform', 'sim', '--read-only', '--profile', 'm5.xlarge']);"
        "print(a.platform, a.read_only, a.profile, a.command,"
        " 'boto3' in sys.modules, 'core.eif' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["sim", "True", "m5.xlarge", "None", "False", "False"]


def test_a_named_command_is_not_taken_for_the_app() -> None:
    from tui.cli.main import app_arguments

    assert app_arguments(["--platform", "sim", "describe-enclaves"]) is None
    assert app_arguments(["--help"]) is None


def test_doctor_runs_the_simulators_own_checks(nitrodeck_home: Path) -> None:
    healthy = run_cli("--platform", "sim", "doctor", "--json")
    checks = {check["name"]: check for check in json.loads(healthy.stdout)}
    names = set(checks)
    # Run without a terminal, doctor fails only the terminal check, as the app would not open.
    assert healthy.returncode == 1, healthy.stdout
    assert [name for name, check in checks.items() if check["status"] == "fail"] == [
        "terminal size"
    ]
    assert {"simulator database", "no stale vsock sockets", "python version"} <= names

    # A vsock socket left by a crashed enclave is a failure with its fix, and exit 1.
    vsock = next(nitrodeck_home.glob("sim/*/vsock"), None) or (
        nitrodeck_home / "sim" / "m5.2xlarge" / "vsock"
    )
    vsock.mkdir(parents=True, exist_ok=True)
    (vsock / "cid_99.sock").touch()
    broken = run_cli("--platform", "sim", "doctor")
    assert broken.returncode == 1
    assert "[FAIL] no stale vsock sockets" in broken.stdout and "fix: remove" in broken.stdout


def test_the_app_without_a_terminal_says_so_and_exits_at_once(nitrodeck_home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "describe-enclaves" in result.stderr
    assert result.stdout == "" and "\x1b" not in result.stderr  # no escape codes
