"""`nitrodeck fleet status|demo`: many parents at a glance; a local fleet of simulators."""

from __future__ import annotations

import argparse
from typing import Any

from core.fleet.status import DEFAULT_TIMEOUT, MemberStatus
from tui.cli.members import add_member_args, members_from_args
from tui.cli.output import cli_home, print_json

DEMO_COUNT = 3


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("fleet", help="many parent instances at once")
    commands = group.add_subparsers(dest="fleet_command", metavar="SUBCOMMAND")
    status = commands.add_parser(
        "status", help="enclaves, pools, PCR0s and health of every member, concurrently"
    )
    add_member_args(status, default_all_contexts=True)
    status.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S", help="per member (10)"
    )
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=run_status)
    demo = commands.add_parser(
        "demo", help="make a local fleet: simulator homes saved as contexts sim-1, sim-2, …"
    )
    demo.add_argument("--count", type=int, default=DEMO_COUNT, help="how many (3)")
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(handler=run_demo)


def run_status(args: argparse.Namespace) -> int:
    from core.fleet.status import fleet_status

    statuses = fleet_status(members_from_args(args), cli_home(args), timeout=args.timeout)
    if args.json:
        print_json([s.to_json() for s in statuses])
    else:
        print(format_table(statuses))
    return 0 if all(s.reachable for s in statuses) else 1


def format_table(statuses: list[MemberStatus]) -> str:
    widths = (16, 11, 8, 9, 11, 7)
    names = ("MEMBER", "STATE", "ENCLAVES", "POOL CPUS", "POOL MIB", "DOCTOR", "PCR0s / REASON")
    lines = []
    for row in [names, *((s.name, *s.cells()) for s in statuses)]:
        if row[1] == "UNREACHABLE":
            lines.append(f"{row[0]:<16} {row[1]:<11} {row[-1]}")
            continue
        cells = [
            f"{cell:<{w}}" if i < 2 or i == 5 else f"{cell:>{w}}"
            for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ]
        lines.append(" ".join(cells) + f" {row[-1]}")
    return "\n".join(lines)


def run_demo(args: argparse.Namespace) -> int:
    from core.errors import UsageError
    from core.home import ensure_private_dir
    from core.remote.target import Target
    from tui.contexts import save_context

    if not 1 <= args.count <= 16:
        raise UsageError("--count must be 1 to 16", where="--count")
    made = []
    for number in range(1, args.count + 1):
        home = ensure_private_dir(cli_home(args) / "fleet" / f"sim-{number}")
        save_context(Target(name=f"sim-{number}", home=str(home)))
        made.append({"name": f"sim-{number}", "home": str(home)})
    if args.json:
        print_json(made)
        return 0
    for context in made:
        print(f"context {context['name']}: simulator home {context['home']}")
    print("see them with: nitrodeck fleet status")
    return 0
