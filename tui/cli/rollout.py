"""`nitrodeck rollout`: replace an enclave across members in attested waves (core.fleet.rollout)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.fleet.keys import KeyPin
from core.fleet.rollout import MemberOutcome, RolloutReport
from tui.cli.members import add_member_args, members_from_args
from tui.cli.output import cli_home, print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "rollout",
        help="replace an enclave on many parents in waves, attesting each before the next",
    )
    parser.add_argument("--eif-path", type=Path, required=True, metavar="F", help="the new image")
    parser.add_argument(
        "--enclave-name", required=True, metavar="NAME", help="the enclave to replace"
    )
    add_member_args(parser, default_all_contexts=False)
    parser.add_argument("--wave", type=int, default=1, metavar="N", help="members per wave (1)")
    parser.add_argument(
        "--allow-downtime",
        action="store_true",
        help="where the pool cannot hold old and new together, end the old one first",
    )
    parser.add_argument(
        "--key-id", metavar="K", help="pin this KMS key to the new image first (kms pin)"
    )
    parser.add_argument(
        "--kms-endpoint-url", metavar="URL", help="with --key-id (default: the local KMS)"
    )
    parser.add_argument(
        "--key-principal",
        metavar="ARN",
        help="with --key-id: pin this principal's statements only (default: the only one)",
    )
    parser.add_argument(
        "--memory", type=int, metavar="MIB", help="size where NAME runs nowhere yet"
    )
    parser.add_argument(
        "--cpu-count", type=int, metavar="N", help="CPUs where NAME runs nowhere yet"
    )
    parser.add_argument(
        "--trust",
        metavar="T",
        help="the root every new enclave must chain to, chosen here: aws, sim, sim-remote, "
        "sha256:FINGERPRINT or a PEM file (default: each context's --trust, else the member's "
        "own root when this machine holds it; a remote simulator's is never taken unasked)",
    )
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run_rollout)


def run_rollout(args: argparse.Namespace) -> int:
    from core.fleet.rollout import RolloutPlan, rollout
    from core.platform.trust import parse_trust_choice

    plan = RolloutPlan(
        eif_path=args.eif_path,
        enclave_name=args.enclave_name,
        wave_size=args.wave,
        allow_downtime=args.allow_downtime,
        memory_mib=args.memory,
        cpu_count=args.cpu_count,
        trust=parse_trust_choice(args.trust) if args.trust else None,
    )
    members = members_from_args(args)
    report = rollout(plan, members, home=cli_home(args), progress=_progress, key=_key(args))
    if args.json:
        print_json(
            {
                "ok": report.ok,
                "key": report.key_steps,
                "stopped_at_wave": report.stopped_at_wave,
                "members": [o.to_json() for o in report.outcomes],
            }
        )
    else:
        print(format_report(report))
    return 0 if report.ok else 1


def _key(args: argparse.Namespace) -> KeyPin | None:
    if not args.key_id:
        return None
    from core.kms.manage import admin_for

    # pinning changes the policy: the admin's
    kms, principal = admin_for(args.kms_endpoint_url, cli_home(args))
    return KeyPin(kms, args.key_id, principal(), args.key_principal)


def _progress(outcome: MemberOutcome, step: str) -> None:
    print(f"[wave {outcome.wave}] {outcome.name}: {step}", file=sys.stderr, flush=True)


def format_report(report: RolloutReport) -> str:
    lines = [f"{'MEMBER':<16} {'WAVE':>4}  {'STATE':<12} RUNNING"]
    for o in report.outcomes:
        lines.append(f"{o.name:<16} {o.wave:>4}  {o.state:<12} {o.running}")
        if o.error:
            lines.append(f"{'':<16} {'':>4}  error: {o.error}")
    lines += report.key_steps
    if report.ok:
        lines.append("rollout complete: every member runs the new image, attested")
    else:
        lines.append(
            f"rollout stopped at wave {report.stopped_at_wave}; members above say where each stands"
        )
    return "\n".join(lines)
