"""`nitrodeck kms enable-key | disable-key | schedule-key-deletion | cancel-key-deletion |
get-key-policy | put-key-policy | pin | revoke-grant`: what the labs and operators fix keys
with, local KMS or AWS.

Disabling, scheduling deletion and replacing a policy ask first (`--yes` for scripts) and are
refused in `--read-only`; each prints the key's state afterwards, or JSON with `--json`. On the
local KMS they act as the key administrator (profile nitrodeck-admin).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import UsageError
from core.flows.pin import Pinning, pinned_summary
from core.input_files import read_input_text
from core.kms.manage import (
    admin_for,
    change_state,
    get_policy,
    policy_diff,
    put_policy,
    revoke_grant,
)
from core.kms.pin import parse_pcrs
from tui.cli.output import cli_home, print_json

STATE_COMMANDS = {
    "enable-key": ("enable", "EnableKey: the key may be used again", False),
    "disable-key": ("disable", "DisableKey: every use of the key fails until enabled", True),
    "schedule-key-deletion": (
        "schedule-deletion",
        "ScheduleKeyDeletion: the key and everything encrypted under it are lost after the "
        "waiting period",
        True,
    ),
    "cancel-key-deletion": (
        "cancel-deletion",
        "CancelKeyDeletion: the key comes back Disabled",
        False,
    ),
}


def _common(parser: argparse.ArgumentParser, *, destructive: bool) -> None:
    parser.add_argument("--key-id", required=True, metavar="K", help="key ID, ARN or alias")
    parser.add_argument("--endpoint-url", default=None, help="default: the running local KMS")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    if destructive:
        parser.add_argument("--yes", action="store_true", help="do not ask to confirm")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for name, (_, summary, _destructive) in STATE_COMMANDS.items():
        parser = commands.add_parser(name, help=summary.split(":")[0] + " (key state)")
        # Every key-state command takes --yes (as the README shows) so scripts may pass it
        # uniformly; only the destructive ones ask.
        _common(parser, destructive=True)
        if name == "schedule-key-deletion":
            parser.add_argument(
                "--pending-window-in-days", type=int, default=None, metavar="D", help="7..30"
            )
        parser.set_defaults(handler=run_state)
    get = commands.add_parser("get-key-policy", help="print a key's policy")
    _common(get, destructive=False)
    get.set_defaults(handler=run_get_policy)
    put = commands.add_parser("put-key-policy", help="replace a key's policy (shows the diff)")
    _common(put, destructive=True)
    put.add_argument("--policy", required=True, type=Path, metavar="F", help="policy JSON file")
    put.set_defaults(handler=run_put_policy)
    pin = commands.add_parser("pin", help="pin a key to an image: its PCRs into the key policy")
    _common(pin, destructive=True)
    pin.add_argument("--eif-path", required=True, type=Path, metavar="F", help="the image")
    pin.add_argument(
        "--pcrs", default=None, metavar="N,…", help="PCRs to pin (default: those already pinned)"
    )
    pin.add_argument("--replace", action="store_true", help="replace pinned values, not add")
    pin.add_argument(
        "--principal",
        default=None,
        metavar="ARN",
        help="pin this principal's attested statements only (default: the policy's only one)",
    )
    pin.add_argument(
        "--sid", action="append", default=[], metavar="SID", help="pin these statements only"
    )
    pin.set_defaults(handler=run_pin)
    revoke = commands.add_parser("revoke-grant", help="revoke a key's grant (closes its path)")
    _common(revoke, destructive=False)
    revoke.add_argument("--grant-id", required=True, metavar="ID", help="from kms explain")
    revoke.set_defaults(handler=run_revoke_grant)


def confirm(question: str, yes: bool) -> None:
    """Ask on the terminal; without one, `--yes` is required. Raises UsageError on no."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            "this changes a key and needs confirmation", where="--yes", fix="add --yes to confirm"
        )
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise UsageError("cancelled: nothing was changed")


def run_state(args: argparse.Namespace) -> int:
    change, summary, destructive = STATE_COMMANDS[args.kms_command]
    kms, _ = admin_for(args.endpoint_url, cli_home(args))
    if destructive:
        confirm(f"{summary}. {args.kms_command} {args.key_id}?", args.yes)
    state = change_state(
        kms, args.key_id, change, days=getattr(args, "pending_window_in_days", None)
    )
    if args.json:
        print_json(state.to_json())
        return 0
    when = f" (deletion on {state.deletion_date:%Y-%m-%d %H:%M %Z})" if state.deletion_date else ""
    print(f"{state.key_id}: {state.state}{when}")
    return 0


def run_get_policy(args: argparse.Namespace) -> int:
    text, arn = get_policy(admin_for(args.endpoint_url, cli_home(args))[0], args.key_id)
    if args.json:
        print_json({"KeyArn": arn, "PolicyName": "default", "Policy": text})
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")
    return 0


def run_put_policy(args: argparse.Namespace) -> int:
    text = read_input_text(args.policy, "--policy")
    kms, _ = admin_for(args.endpoint_url, cli_home(args))
    old, _ = get_policy(kms, args.key_id)
    diff = policy_diff(old, text)
    if not diff:
        if args.json:
            print_json({"changed": False})
        else:
            print("the policy is unchanged: nothing to do")
        return 0
    if not args.json:
        print(diff)
    confirm(f"PutKeyPolicy on {args.key_id}?", args.yes)
    arn = put_policy(kms, args.key_id, text)
    if args.json:
        print_json({"changed": True, "KeyArn": arn, "diff": diff})
    else:
        print(f"policy of {arn} replaced")
    return 0


def run_pin(args: argparse.Namespace) -> int:
    """Show the diff, ask, PutKeyPolicy: how a key moves to a rebuilt image without an outage."""
    pinning = Pinning.as_admin(admin_for(args.endpoint_url, cli_home(args)), args.key_id)
    plan = pinning.plan(
        args.eif_path,
        pcrs=parse_pcrs(args.pcrs) if args.pcrs else None,
        replace=args.replace,
        for_principal=args.principal,
        sids=args.sid,
    )
    if not args.json:
        verb = "replace with" if args.replace else "add"
        statements = ", ".join(plan.statements)
        print(f"{plan.key_arn}: {verb} {pinned_summary(plan)} in statement(s) {statements}")
        print(plan.diff or "the policy already pins these values: nothing to do")
    if plan.changed:
        confirm(f"PutKeyPolicy on {plan.key_arn}?", args.yes)
    done = pinning.apply(plan)
    if args.json:
        print_json({**plan.to_json(), "Applied": done})
    elif done:
        print(f"policy of {plan.key_arn} updated ({', '.join(plan.statements)})")
    return 0


def run_revoke_grant(args: argparse.Namespace) -> int:
    arn = revoke_grant(admin_for(args.endpoint_url, cli_home(args))[0], args.key_id, args.grant_id)
    if args.json:
        print_json({"KeyArn": arn, "RevokedGrantId": args.grant_id})
    else:
        print(f"grant {args.grant_id} of {arn} revoked")
    return 0
