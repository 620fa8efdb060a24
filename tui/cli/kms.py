"""`nitrodeck kms`: the local KMS server, the policy explainer, and a key listing.

Each subcommand has its own small handler; the explainer's inputs (a document, `--pcr`, and
later `--enclave-name`) are resolved by `_explain_pcrs`, the one place to add a new source.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from core.errors import UsageError
from core.home import write_private_file
from core.input_files import read_input, read_input_text
from core.kms.document import document_pcrs
from core.kms.explain import Explanation, explain
from core.kms.explain_key import KeyFacts, facts_from
from core.kms.inventory import client, endpoint_file, key_policy, list_keys
from core.kms.local.credentials import ADMIN_PROFILE, PRINCIPAL_ARN, PROFILE, REGION
from core.kms.local.log import RotatingLog
from core.kms.local.server import LocalKms, stderr_log
from core.kms.manage import admin_for
from tui.cli import kms_daemon, kms_demo, kms_manage, kms_recipient
from tui.cli.output import cli_home, print_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = subparsers.add_parser("kms", help="local KMS, key-policy explainer, key listing")
    commands = group.add_subparsers(dest="kms_command", metavar="SUBCOMMAND")

    serve = commands.add_parser("serve", help="run the local KMS (AWS JSON 1.1) in the foreground")
    serve.add_argument("--port", type=int, default=4599, help="TCP port; 0 picks a free one")
    serve.add_argument("--host", default="127.0.0.1", help="loopback address only")
    serve.add_argument(
        "--anchor",
        action="append",
        type=Path,
        default=[],
        metavar="PEM",
        help="extra root certificate trusted for Recipient documents (repeatable)",
    )
    serve.add_argument(
        "--max-document-age",
        type=float,
        default=None,
        metavar="SECONDS",
        help="local policy: refuse Recipient documents older than this (KMS documents none)",
    )
    serve.add_argument("--quiet", action="store_true", help="do not log each request")
    serve.add_argument(
        "--log-file",
        type=Path,
        metavar="F",
        help="log requests to F (0600, rotated at 1 MiB into F.1, F.2) instead of stderr",
    )
    serve.set_defaults(handler=run_serve)

    explain_cmd = commands.add_parser("explain", help="why a key policy allows or denies")
    policy = explain_cmd.add_mutually_exclusive_group(required=True)
    policy.add_argument("--policy", type=Path, help="key policy JSON file")
    policy.add_argument("--key-id", help="fetch the key's policy with GetKeyPolicy")
    explain_cmd.add_argument("--endpoint-url", default=None, help="with --key-id")
    source = explain_cmd.add_mutually_exclusive_group()
    source.add_argument("--attestation", type=Path, help="attestation document (COSE bytes)")
    source.add_argument(
        "--pcr", action="append", default=[], metavar="N=HEX", help="a PCR value (repeatable)"
    )
    source.add_argument("--enclave-name", help="ask this running enclave's agent for a document")
    explain_cmd.add_argument("--agent-port", type=int, default=5005, help=argparse.SUPPRESS)
    explain_cmd.add_argument("--principal", default=PRINCIPAL_ARN, help="caller ARN")
    explain_cmd.add_argument("--action", default="kms:Decrypt")
    explain_cmd.add_argument("--key-arn", default=None, help="the key's ARN (for Resource)")
    explain_cmd.add_argument("--json", action="store_true")
    explain_cmd.set_defaults(handler=run_explain)

    keys = commands.add_parser("keys", help="list keys, aliases and attestation pinning")
    keys.add_argument("--endpoint-url", default=None, help="default: the running local KMS")
    keys.add_argument("--json", action="store_true")
    keys.set_defaults(handler=run_keys)

    kms_recipient.register(commands)
    kms_daemon.register(commands)
    kms_demo.register(commands)
    kms_manage.register(commands)


def run_serve(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _stop)  # before the endpoint is printed: callers may stop us
    max_age = None if args.max_document_age is None else timedelta(seconds=args.max_document_age)
    log: Callable[[str], None] | None = None
    if args.log_file is not None and not args.quiet:
        log = RotatingLog(args.log_file)
    elif not args.quiet:
        log = stderr_log
    kms = LocalKms(
        home=cli_home(args),
        host=args.host,
        port=args.port,
        anchors=args.anchor,
        max_document_age=max_age,
        log=log,
    )
    try:
        write_private_file(endpoint_file(cli_home(args)), (kms.endpoint + "\n").encode())
        print(f"nitrodeck local KMS listening on {kms.endpoint}")
        print(f"export AWS_ENDPOINT_URL_KMS={kms.endpoint}")
        print(f"export AWS_SHARED_CREDENTIALS_FILE={kms.credentials_path}")
        print(f"export AWS_PROFILE={PROFILE}")
        print(f"export AWS_DEFAULT_REGION={REGION}")
        print(f"# principal: {kms.credentials.principal}")
        print(
            f"# administer keys as AWS_PROFILE={ADMIN_PROFILE} ({kms.admin_credentials.principal})"
        )
        print(f"# try: aws kms list-keys --endpoint-url {kms.endpoint}", flush=True)
        kms.serve_forever()
    finally:
        kms.close()
        if isinstance(log, RotatingLog):
            log.close()
        with contextlib.suppress(FileNotFoundError):
            endpoint_file(cli_home(args)).unlink()
    return 0


def _stop(signum: int, frame: object) -> None:
    """SIGTERM ends `kms serve` like Ctrl-C: the store closes, the endpoint file goes away."""
    raise KeyboardInterrupt


def _parse_pcr(text: str) -> tuple[int, bytes]:
    index, sep, value = text.partition("=")
    try:
        if not sep or not index.strip().isdigit() or not 0 <= int(index) <= 31:
            raise ValueError
        digest = bytes.fromhex(value.strip())
    except ValueError:
        raise UsageError(
            f"cannot read --pcr {text!r}", where="--pcr", fix="write N=HEX, N in 0..31"
        ) from None
    if len(digest) != 48:
        raise UsageError(
            f"PCR{index} must be 48 bytes (96 hex digits), got {len(digest)}", where="--pcr"
        )
    return int(index), digest


def _explain_pcrs(args: argparse.Namespace) -> dict[int, bytes] | None:
    """The measurements to explain against; None means a request without attestation."""
    if args.attestation is not None:
        data = read_input(args.attestation, "--attestation")
        return document_pcrs(data)
    if args.pcr:
        return dict(_parse_pcr(p) for p in args.pcr)
    if args.enclave_name is not None:
        return document_pcrs(kms_recipient.enclave_document(args))
    return None


def _explain_policy(args: argparse.Namespace) -> tuple[str, str, KeyFacts | None]:
    """The policy text, the key ARN to evaluate it for, and (for a key) its state and grants."""
    if args.key_id is not None:
        kms = client(args.endpoint_url, cli_home(args))
        text, arn = key_policy(kms, args.key_id)
        return text, arn, facts_from(kms, arn, admin_for(args.endpoint_url, cli_home(args))[0])
    return read_input_text(args.policy, "--policy"), "*", None


def run_explain(args: argparse.Namespace) -> int:
    text, key_arn, facts = _explain_policy(args)
    result = explain(
        text,
        principal=args.principal,
        action=args.action,
        pcrs=_explain_pcrs(args),
        resource=args.key_arn or key_arn,
        key=facts,
    )
    if args.json:
        print_json(result.to_json())
    else:
        sys.stdout.write(render_explanation(result))
    return 0 if result.allowed else 1


def render_explanation(result: Explanation) -> str:
    """Plain text: the verdict, each statement with its conditions, then causes and fixes."""
    decision = result.decision
    verdict = "ALLOWED" if result.allowed else "DENIED"
    attested = "with" if result.context.value("kms:RecipientAttestation:ImageSha384") else "without"
    lines = [
        f"{verdict}: {result.context.principal} {result.context.action} "
        f"({attested} attestation{', debug mode' if result.debug_mode else ''})",
        f"  {decision.reason}",
    ]
    if result.key_state is not None:
        lines.append(f"  key state: {result.key_state}")
    if result.grant is not None:
        lines.append(f"  allowed by grant {result.grant.get('GrantId')} (not by the key policy)")
    if result.audit is not None:
        lines.append(f"  pin: {result.audit.verdict}: {result.audit.summary}")
        lines += [f"    {path.line}" for path in result.audit.paths]
    lines.append("")
    for s in decision.statements:
        mark = "applies" if s.applies else "does not apply"
        lines.append(f"{s.effect} {s.label}: {mark}")
        lines.append(
            f"  principal {'✓' if s.principal_match else '✗'}  action "
            f"{'✓' if s.action_match else '✗'}  resource {'✓' if s.resource_match else '✗'}"
        )
        for c in s.conditions:
            actual = "(absent)" if c.actual is None else ", ".join(c.actual)
            lines.append(f"  {'✓' if c.matched else '✗'} {c.operator} {c.key}")
            lines.append(f"      expected {', '.join(c.expected)}")
            lines.append(f"      actual   {actual}")
    if result.findings:
        lines.append("")
    for f in result.findings:
        where = f" [{f.statement}]" if f.statement else ""
        lines.append(f"{f.kind}{where}: {f.message}")
        if f.fix:
            lines.append(f"  fix: {f.fix}")
    return "\n".join(lines) + "\n"


def run_keys(args: argparse.Namespace) -> int:
    summaries = list_keys(
        client(args.endpoint_url, cli_home(args)), admin_for(args.endpoint_url, cli_home(args))[0]
    )
    if args.json:
        print_json([s.to_json() for s in summaries])
        return 0
    if not summaries:
        print("no keys")
        return 0
    print(f"{'KEY ID':36}  {'ATTESTATION':11}  {'STATE':15}  ALIASES / DESCRIPTION")
    for s in summaries:
        pinned = s.audit.verdict
        names = ", ".join(s.aliases) or "-"
        extra = f"  ({s.description})" if s.description else ""
        print(f"{s.key_id:36}  {pinned:11}  {s.state:15}  {names}{extra}")
        for path in s.audit.open_paths:
            print(f"{'':38}open: {path.principal} via {path.via} {path.source}")
    if any(s.audit.open_paths for s in summaries):
        print(
            "OPEN: the policy pins attestation, but these paths reach plaintext without it; "
            "`nitrodeck kms explain --key-id KEY` says how to close each"
        )
    return 0
