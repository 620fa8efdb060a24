"""`nitrodeck attestation verify|show`: check a document the way a relying party (KMS) does.

Exit codes: 0 every check passed (warnings allowed), 1 a check failed, 2 the input could not be
read or parsed (or the arguments make no sense).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from core.attestation import (
    AttestationError,
    Expectations,
    TrustAnchor,
    Verifier,
    anchor_from_pem,
    aws_root_anchor,
    decode_document_input,
    eif_expectations,
    parse_document,
    policy_expectations,
    sim_root_anchor,
)
from core.attestation.describe import describe_document
from core.errors import UsageError
from tui.cli.attestation_text import render_document, render_report
from tui.cli.output import print_json, progress

_PCR_ARG = re.compile(r"(\d{1,2})=(?:0x)?([0-9a-fA-F]+)")


def read_document(source: str) -> bytes:
    """The raw document from a file (or '-' for stdin), in any of the accepted encodings."""
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        raise AttestationError(
            f"cannot read the document: {error.strerror}",
            where=source,
            fix="name a file holding the document (raw, base64 or hex), or - for stdin",
        ) from None
    return decode_document_input(data)


def parse_time(text: str) -> datetime:
    """`--at`: Unix milliseconds, or ISO 8601 (naive means UTC)."""
    if text.isdigit():
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(text))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--at {text!r} is neither ISO 8601 nor Unix milliseconds",
            fix="e.g. --at 2024-11-30T16:22:48Z or --at 1732983768387",
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _hex(option: str, text: str | None) -> bytes | None:
    if text is None:
        return None
    try:
        return bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raise UsageError(f"{option} {text!r} is not hex", fix=f"e.g. {option} 0a1b2c") from None


def _expected_pcr(text: str) -> tuple[int, bytes]:
    match = _PCR_ARG.fullmatch(text.strip())
    value = bytes.fromhex(match.group(2)) if match and len(match.group(2)) % 2 == 0 else b""
    if match is None or int(match.group(1)) > 31 or len(value) not in (32, 48, 64):
        raise UsageError(
            f"--expect-pcr {text!r} is not INDEX=HEX with INDEX 0..31 and a 48-byte digest",
            fix="e.g. --expect-pcr 0=ec74bfbe…aeae2 (96 hex characters)",
        )
    return int(match.group(1)), value


def _merge(pcrs: dict[int, bytes], more: dict[int, bytes], source: str) -> None:
    for index, value in more.items():
        if pcrs.setdefault(index, value) != value:
            raise UsageError(
                f"PCR{index} from {source} differs from the value given before",
                fix="give each PCR one expected value",
            )


def _load_policy(path: str) -> dict[str, Any]:
    try:
        policy = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"cannot read the key policy: {error.strerror}", where=path) from None
    except ValueError as error:
        raise UsageError(f"the key policy is not JSON: {error}", where=path) from None
    if not isinstance(policy, dict):
        raise UsageError("a key policy is a JSON object with a Statement list", where=path)
    return policy


def build_expectations(args: argparse.Namespace) -> Expectations:
    """Every expectation the options name, with conflicting PCR sources rejected."""
    pcrs: dict[int, bytes] = {}
    for text in args.expect_pcr or []:
        _merge(pcrs, dict([_expected_pcr(text)]), "--expect-pcr")
    if args.expect_eif:
        _merge(pcrs, eif_expectations(Path(args.expect_eif)), f"--expect-eif {args.expect_eif}")
    if args.policy:
        pinned = policy_expectations(_load_policy(args.policy))
        if not pinned:
            progress(f"note: {args.policy} pins no PCR (no kms:RecipientAttestation condition)")
        _merge(pcrs, pinned, f"--policy {args.policy}")
    return Expectations(
        pcrs=pcrs,
        nonce=_hex("--nonce", args.nonce),
        user_data=_hex("--user-data", args.user_data),
        public_key=_hex("--public-key", args.public_key),
        max_age_s=args.max_age,
    )


def trust_anchors(names: list[str] | None) -> list[TrustAnchor]:
    """`--trust` values (aws, sim or a PEM path), AWS when none is given."""
    anchors: list[TrustAnchor] = []
    for name in names or ["aws"]:
        if name == "aws":
            anchors.append(aws_root_anchor())
        elif name == "sim":
            anchors.append(sim_root_anchor())
        else:
            anchors.append(anchor_from_pem(name))
    return anchors


def cmd_verify(args: argparse.Namespace) -> int:
    data = read_document(args.document)
    expect = build_expectations(args)
    at = parse_time(args.at) if args.at else datetime.now(UTC)
    report = Verifier(trust_anchors(args.trust)).verify(data, at=at, expect=expect)
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
