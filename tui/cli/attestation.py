"""`nitrodeck attestation verify|show`: check a document the way a relying party (KMS) does.

Exit codes: 0 every check passed (warnings allowed), 1 a check failed, 2 the input could not be
read or parsed (or the arguments make no sense).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.attestation import (
    Expectations,
    eif_expectations,
    parse_document,
    policy_expectations,
)
from core.attestation.describe import describe_document
from core.attestation.expectations import load_policy_file, merge_pcrs, parse_expected_pcr
from core.attestation.inputs import parse_hex, parse_time, read_document
from core.errors import UsageError
from core.flows.attest import request_anchors, verify_document
from tui.cli.attestation_text import render_document, render_report
from tui.cli.output import cli_home, print_json, progress


def build_expectations(args: argparse.Namespace) -> Expectations:
    """Every expectation the options name, with conflicting PCR sources rejected."""
    pcrs: dict[int, bytes] = {}
    for text in args.expect_pcr or []:
        merge_pcrs(pcrs, dict([parse_expected_pcr(text)]), "--expect-pcr")
    if args.expect_eif:
        merge_pcrs(pcrs, eif_expectations(Path(args.expect_eif)), f"--expect-eif {args.expect_eif}")
    if args.policy:
        pinned = policy_expectations(load_policy_file(Path(args.policy)))
        if not pinned:
            progress(f"note: {args.policy} pins no PCR (no kms:RecipientAttestation condition)")
        merge_pcrs(pcrs, pinned, f"--policy {args.policy}")
    if args.max_age is not None and not args.max_age > 0:
        raise UsageError(f"--max-age {args.max_age} is not a positive number of seconds")
    return Expectations(
        pcrs=pcrs,
        nonce=parse_hex("--nonce", args.nonce),
        user_data=parse_hex("--user-data", args.user_data),
        public_key=parse_hex("--public-key", args.public_key),
        max_age_s=args.max_age,
    )


def cmd_verify(args: argparse.Namespace) -> int:
    data = read_document(args.document)
    expect = build_expectations(args)
    at = parse_time(args.at) if args.at else datetime.now(UTC)
    anchors = request_anchors(None, args.trust or (), cli_home(args))
    report = verify_document(data, expect, anchors=anchors, at=at)
    if args.json:
        print_json(report.to_json())
    else:
        sys.stdout.write(render_report(report))
    return 0 if report.ok else 1


def cmd_show(args: argparse.Namespace) -> int:
    description = describe_document(parse_document(read_document(args.document)))
    if args.json:
        print_json(description)
    else:
        sys.stdout.write(render_document(description))
    return 0


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "attestation", help="verify and inspect Nitro attestation documents"
    )
    commands = group.add_subparsers(dest="attestation_command", metavar="SUBCOMMAND")
    verify = commands.add_parser(
        "verify",
        help="run every check on a document; exit 0 verified, 1 a check failed, 2 unreadable",
    )
    verify.add_argument(
        "document", metavar="DOC", help="file with the document (raw, base64 or hex); - for stdin"
    )
    verify.add_argument(
        "--at", metavar="TIME", help="verification time: ISO 8601 or Unix ms (default now)"
    )
    verify.add_argument(
        "--trust",
        action="append",
        metavar="aws|sim|PEM",
        help="trust anchor (repeatable): the AWS root (default), the simulator's, or a PEM file",
    )
    verify.add_argument(
        "--expect-pcr", action="append", metavar="N=HEX", help="expected PCR (repeatable)"
    )
    verify.add_argument(
        "--expect-eif", metavar="FILE", help="expect the PCRs measured from this EIF"
    )
    verify.add_argument("--policy", metavar="FILE", help="expect the PCRs a KMS key policy pins")
    verify.add_argument("--nonce", metavar="HEX", help="expected nonce")
    verify.add_argument("--user-data", metavar="HEX", help="expected user data")
    verify.add_argument("--public-key", metavar="HEX", help="expected public key")
    verify.add_argument(
        "--max-age", type=float, metavar="SECONDS", help="oldest acceptable document"
    )
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.set_defaults(handler=cmd_verify)
    show = commands.add_parser("show", help="print the decoded document (no verification)")
    show.add_argument(
        "document", metavar="DOC", help="file with the document (raw, base64 or hex); - for stdin"
    )
    show.add_argument("--json", action="store_true", help="print the document as JSON")
    show.set_defaults(handler=cmd_show)
