"""`nitrodeck ctx`: list, add, remove and switch contexts (named targets in the settings)."""

from __future__ import annotations

import argparse
from typing import Any

from core.remote.target import Target
from tui.cli.output import print_json


def register(subparsers: Any) -> None:
    group = subparsers.add_parser("ctx", help="named targets: this machine, ssh://… hosts, homes")
    commands = group.add_subparsers(dest="ctx_command", metavar="SUBCOMMAND")
    listing = commands.add_parser("list", help="every context; * marks the current one")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)
    add = commands.add_parser("add", help="add or replace a context")
    add.add_argument("name")
    where = add.add_mutually_exclusive_group(required=True)
    where.add_argument("--host", dest="ctx_host", metavar="URL", help="ssh://[user@]host[:port]")
    where.add_argument("--home", dest="ctx_home", metavar="DIR", help="a simulator home here")
    add.add_argument(
        "--remote-command", metavar="CMD", help="nitrodeck on the remote (default: nitrodeck)"
    )
    add.add_argument("--sim-profile", dest="ctx_profile", metavar="P", help="simulator profile")
    add.add_argument(
        "--trust",
        dest="ctx_trust",
        metavar="T",
        help="the root its enclaves are verified with, chosen here: aws, sim, sim-remote, "
        "sha256:FINGERPRINT or a PEM file (default: its own root when this machine holds it)",
    )
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=run_add)
    remove = commands.add_parser("remove", help="forget a context")
    remove.add_argument("name")
    remove.add_argument("--json", action="store_true")
    remove.set_defaults(handler=run_remove)
    use = commands.add_parser("use", help="make a context the current one")
    use.add_argument("name")
    use.add_argument("--json", action="store_true")
    use.set_defaults(handler=run_use)


def run_list(args: argparse.Namespace) -> int:
    from tui.contexts import current_context_name, load_contexts

    current = current_context_name()
    contexts = load_contexts()
    if args.json:
        print_json([context_json(t, current=t.name == current) for t in contexts.values()])
        return 0
    for target in contexts.values():
        mark = "*" if target.name == current else " "
        trust = f"  (trust {target.trust})" if target.trust else ""
        print(f"{mark} {target.name:<16} {target.location}{trust}")
    return 0


def context_json(target: Target, *, current: bool) -> dict[str, object]:
    return {
        "name": target.name,
        "current": current,
        "location": target.location,
        "host": target.host,
        "home": target.home,
        "remote_command": target.remote_command,
        "trust": target.trust,
    }


def run_add(args: argparse.Namespace) -> int:
    from core.platform.trust import parse_trust_choice
    from tui.contexts import save_context

    target = Target(
        name=args.name,
        host=args.ctx_host,
        home=args.ctx_home,
        remote_command=args.remote_command,
        profile=args.ctx_profile,
        trust=parse_trust_choice(args.ctx_trust) if args.ctx_trust else None,
    )
    save_context(target)
    if args.json:
        print_json(context_json(target, current=False))
        return 0
    print(f"context {args.name} saved")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from tui.contexts import remove_context

    remove_context(args.name)
    if args.json:
        print_json({"name": args.name, "removed": True})
        return 0
    print(f"context {args.name} removed")
    return 0


def run_use(args: argparse.Namespace) -> int:
    from tui.contexts import use_context

    target = use_context(args.name)
    if args.json:
        print_json(context_json(target, current=True))
        return 0
    print(f"now using {target.name} ({target.location})")
    return 0
