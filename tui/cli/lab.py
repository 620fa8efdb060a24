"""`nitrodeck lab`: guided labs that break things on purpose on the simulator and local KMS.

`start` prepares a fresh lab home and prints the symptom and goal; the learner works there with
the ordinary commands (`export NITRODECK_HOME=…`), asks for graded `hint`s and runs `check`,
which inspects the real state and says which facts hold and which do not.
"""

from __future__ import annotations

import argparse

from core.labs.catalog import get_lab
from core.labs.runner import LabRunner, LabStatus
from core.labs.text import describe, verdict
from tui.cli.output import cli_home, print_json, progress


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = subparsers.add_parser("lab", help="training labs: a broken setup to diagnose and fix")
    commands = group.add_subparsers(dest="lab_command", metavar="SUBCOMMAND")
    for name, helptext, handler, needs_name in (
        ("list", "every lab and your progress", run_list, None),
        ("start", "prepare a fresh lab home and show the symptom", run_start, True),
        ("status", "the lab in progress: symptom, goal, progress", run_status, False),
        ("hint", "the next hint (graded: the last one is the answer)", run_hint, False),
        ("check", "inspect the real state: is it fixed, and why (not)", run_check, False),
        (
            "reset",
            "stop the lab's enclaves and KMS, delete its home and progress",
            run_reset,
            False,
        ),
    ):
        command = commands.add_parser(name, help=helptext)
        if needs_name:
            command.add_argument("name", help="lab name or number (nitrodeck lab list)")
        elif needs_name is False:
            command.add_argument("name", nargs="?", help="default: the lab in progress")
        if name == "hint":
            command.add_argument("--all", action="store_true", help="every hint at once")
        command.add_argument("--json", action="store_true", help="print the result as JSON")
        # Labs always work on their own home's simulator and local KMS, never a remote target.
        command.set_defaults(handler=handler, local_only=True)


def run_list(args: argparse.Namespace) -> int:
    labs = LabRunner(cli_home(args)).overview()
    if args.json:
        print_json([s.to_json() for s in labs])
        return 0
    for number, status in enumerate(labs, 1):
        print(f"{number:2}. {status.lab.name:16} {status.progress.state:12} {status.lab.title}")
    print("\nstart one with: nitrodeck lab start NAME")
    return 0


def _describe(status: LabStatus) -> None:
    print(describe(status, hints=[]))


def run_start(args: argparse.Namespace) -> int:
    get_lab(args.name)  # an unknown name fails before the "preparing" line
    if not args.json:
        progress(f"preparing lab {args.name} (images, enclaves, keys: a few seconds)…")
    status = LabRunner(cli_home(args)).start(args.name)
    if args.json:
        print_json(status.to_json())
    else:
        _describe(status)
    return 0


def run_status(args: argparse.Namespace) -> int:
    status = LabRunner(cli_home(args)).status(args.name)
    if args.json:
        print_json(status.to_json())
    else:
        _describe(status)
        p = status.progress
        print(f"\nprogress: {p.hints}/{len(status.lab.hints)} hints taken, {p.checks} checks")
    return 0


def run_hint(args: argparse.Namespace) -> int:
    runner = LabRunner(cli_home(args))
    lab = runner.resolve(args.name)
    hints = runner.hint(lab.name, every=args.all)
    if args.json:
        print_json({"lab": lab.name, "hints": hints, "total": len(lab.hints)})
        return 0
    for number, hint in enumerate(hints, 1):
        print(f"hint {number}/{len(lab.hints)}: {hint}")
    if len(hints) < len(lab.hints):
        print("(nitrodeck lab hint again for the next one)")
    return 0


def run_check(args: argparse.Namespace) -> int:
    result = LabRunner(cli_home(args)).check(args.name)
    if args.json:
        print_json(result.to_json())
    else:
        print(verdict(result))
    return 0 if result.solved else 1


def run_reset(args: argparse.Namespace) -> int:
    lab = LabRunner(cli_home(args)).reset(args.name)
    if args.json:
        print_json({"lab": lab.name, "reset": True})
    else:
        print(f"lab {lab.name} reset: its enclaves and KMS stopped, its home and progress gone")
    return 0
