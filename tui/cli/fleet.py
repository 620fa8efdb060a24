"""`nitrodeck fleet status|demo`: many parents at a glance; a local fleet of simulators."""

from __future__ import annotations

import argparse
from typing import Any

from core.fleet.status import DEFAULT_TIMEOUT, MemberStatus
from tui.cli.members import add_member_args, members_from_args
from tui.cli.output import print_json

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
    demo.set_defaults(handler=run_demo)


def run_status(args: argparse.Namespace) -> int:
    from core.fleet.status import fleet_status

    statuses = fleet_status(members_from_args(args), timeout=args.timeout)
    if args.json:
        print_json([s.to_json() for s in statuses])
    else:
        print(format_table(statuses))
    return 0 if all(s.reachable for s in statuses) else 1


def format_table(statuses: list[MemberStatus]) -> str:
    header = f"{'MEMBER':<16} {'STATE':<11} {'ENCLAVES':>8} {'POOL CPUS':>9} {'POOL MIB':>11}"
    lines = [f"{header}  {'DOCTOR':<7} PCR0s"]
    for s in statuses:
        if not s.reachable:
            lines.append(f"{s.name:<16} {'UNREACHABLE':<11} {s.error}")
            continue
        pool = s.pool
        cpus = f"{len(pool.used_cpus)}/{len(pool.cpus)}" if pool else "-"
        memory = f"{pool.used_memory_mib}/{pool.memory_mib}" if pool else "-"
        doctor = "-" if not s.checks else ("ok" if s.healthy else "FAIL")
        pcr0s = ", ".join(p[:16] + "…" for p in s.pcr0s) or "-"
        running = f"{'ok':<11} {len(s.enclaves):>8} {cpus:>9} {memory:>11}"
        lines.append(f"{s.name:<16} {running}  {doctor:<7} {pcr0s}")
    return "\n".join(lines)


def run_demo(args: argparse.Namespace) -> int:
    from core.errors import UsageError
    from core.home import ensure_private_dir, nitrodeck_home
    from core.remote.target import Target
    from tui.contexts import save_context

    if not 1 <= args.count <= 16:
        raise UsageError("--count must be 1 to 16", where="--count")
    for number in range(1, args.count + 1):
        home = ensure_private_dir(nitrodeck_home() / "fleet" / f"sim-{number}")
        save_context(Target(name=f"sim-{number}", home=str(home)))
        print(f"context sim-{number}: simulator home {home}")
    print("see them with: nitrodeck fleet status")
    return 0
