"""`nitrodeck doctor`: is this machine ready? each check with its fix; exit 1 on a failure."""

from __future__ import annotations

import argparse
from typing import Any

from core.checks import Check
from core.doctor import basic_checks, current_terminal_size, run_checks
from tui.cli.output import cli_home, print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("doctor", help="check that this machine can run nitrodeck")
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    checks = run_checks(
        [
            lambda: basic_checks(cli_home(args), current_terminal_size()),
            lambda: _platform_checks(args),
        ]
    )
    if args.json:
        print_json([check.to_json() for check in checks])
    else:
        for check in checks:
            print(format_check(check))
    return 0 if all(check.ok for check in checks) else 1


def _platform_checks(args: argparse.Namespace) -> list[Check]:
    """The current platform's own preflight checks."""
    from core.platform.select import open_platform

    platform = open_platform(args.platform, args.profile, home=cli_home(args))
    try:
        return platform.preflight()
    finally:
        platform.close()


def format_check(check: Check) -> str:
    line = f"[{check.status.value.upper()}] {check.name}: {check.evidence}"
    return f"{line}\n       fix: {check.hint}" if check.hint else line
