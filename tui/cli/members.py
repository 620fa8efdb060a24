"""The fleet members a command acts on: --hosts, --fleet-file, --ec2, else the saved contexts.

Shared by `fleet status` and `rollout` so both read members the same way.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.errors import UsageError
from core.remote.target import Target


def add_member_args(parser: argparse.ArgumentParser, *, default_all_contexts: bool) -> None:
    source = parser.add_mutually_exclusive_group(required=not default_all_contexts)
    source.add_argument(
        "--hosts", metavar="URL,URL…", help="ssh://[user@]host[:port], home:PATH or context names"
    )
    source.add_argument("--fleet-file", type=Path, metavar="F", help="one member per line")
    source.add_argument(
        "--ec2", action="store_true", help="running EC2 instances with enclaves enabled"
    )
    parser.add_argument("--tag", action="append", default=[], metavar="K=V", help="with --ec2")
    parser.add_argument("--region", help="with --ec2: the AWS region")
    parser.add_argument("--ssh-user", metavar="U", help="with --ec2: the ssh user")


def members_from_args(args: argparse.Namespace) -> list[Target]:
    from core.fleet.targets import parse_hosts, read_fleet_file
    from tui.contexts import LOCAL, load_contexts

    contexts = load_contexts()
    if args.hosts:
        return parse_hosts(args.hosts, contexts)
    if args.fleet_file:
        return read_fleet_file(args.fleet_file, contexts)
    if args.ec2:
        from core.fleet.ec2 import ec2_members, parse_tags

        members = ec2_members(parse_tags(args.tag), region=args.region, ssh_user=args.ssh_user)
        if not members:
            raise UsageError(
                "EC2 lists no running instance with enclaves enabled and those tags",
                where="--ec2",
                fix="check --region and --tag, or list members with --hosts",
            )
        return members
    saved = [t for name, t in contexts.items() if name != LOCAL]
    if not saved:
        raise UsageError(
            "no fleet members: no --hosts, --fleet-file or --ec2, and no saved contexts",
            fix="try `nitrodeck fleet demo` for a local fleet of simulators, or pass --hosts",
        )
    return saved
