"""`nitrodeck doctor`: is this machine ready? each check with its fix; exit 1 on a failure."""

from __future__ import annotations

import argparse
from typing import Any

from core.doctor import Check, basic_checks, current_terminal_size, run_checks
from tui.cli.output import print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("doctor", help="check that this machine can run nitrodeck")
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    checks = run_checks(
        [lambda: basic_checks(current_terminal_size()), lambda: _platform_checks(args)]
    )
    if args.json:
        print_json([check.to_json() for check in checks])
    else:
        for check in checks:
            print(format_check(check))
    return 0 if all(check.ok for check in checks) else 1


def _platform_checks(args: argparse.Namespace) -> list[Check]:
    """The current platform's preflight checks (the simulator's own on the simulator)."""
    from core.platform.preflight import platform_checks
    from core.platform.select import open_platform

    return platform_checks(open_platform(args.platform, args.profile))


def format_check(check: Check) -> str:
    line = f"[{'PASS' if check.ok else 'FAIL'}] {check.name}: {check.detail}"
    return f"{line}\n       fix: {check.fix}" if check.fix else line
