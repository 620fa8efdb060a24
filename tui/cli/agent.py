"""`nitrodeck attest` and `nitrodeck agent health|describe`: talk to a running enclave's agent.

The agent is `python -m enclave_agent` inside the enclave (the demo image runs it); these
commands reach it over vsock through the platform (real AF_VSOCK, or the simulator's).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core.agent.client import AGENT_WAIT, DEFAULT_PORT, AgentClient, connect_agent
from core.attestation import is_debug_mode, parse_document
from core.attestation.inputs import parse_hex
from core.errors import NitrodeckError, UsageError
from core.platform.select import open_platform
from tui.cli.output import cli_home, print_json, progress


def add_enclave_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--enclave-name", required=True, metavar="N", help="the enclave's name (or its ID)"
    )
    parser.add_argument(
        "--agent-port", type=int, default=DEFAULT_PORT, help="the agent's vsock port (5005)"
    )


@contextlib.contextmanager
def open_agent(args: argparse.Namespace) -> Iterator[AgentClient]:
    """The agent of `--enclave-name` on the platform chosen by the global options."""
    platform = open_platform(args.platform, args.profile, home=cli_home(args))
    try:
        with connect_agent(platform, args.enclave_name, args.agent_port, wait=AGENT_WAIT) as agent:
            yield agent
    finally:
        platform.close()


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    attest = subparsers.add_parser(
        "attest", help="get an attestation document from a running enclave's agent"
    )
    add_enclave_args(attest)
    attest.add_argument("--nonce", metavar="HEX", help="nonce to bind (up to 1024 bytes)")
    attest.add_argument("--user-data", metavar="HEX", help="user data to bind (up to 1024 bytes)")
    attest.add_argument(
        "--public-key",
        type=Path,
        metavar="PEM",
        help="refused: the agent binds only keys it made itself (see nitrodeck kms decrypt)",
    )
    attest.add_argument("--out", type=Path, metavar="FILE", help="write the raw document here")
    attest.add_argument("--json", action="store_true", help="JSON with the document in base64")
    attest.set_defaults(handler=run_attest)

    group = subparsers.add_parser("agent", help="the enclave agent: health and NSM description")
    commands = group.add_subparsers(dest="agent_command", metavar="SUBCOMMAND")
    health = commands.add_parser("health", help="is the agent up, which version and operations")
    add_enclave_args(health)
    health.add_argument("--json", action="store_true")
    health.set_defaults(handler=run_health)
    describe = commands.add_parser("describe", help="DescribeNSM and PCRs 0-31 with locks")
    add_enclave_args(describe)
    describe.add_argument("--json", action="store_true")
    describe.set_defaults(handler=run_describe)
    extend = commands.add_parser("extend-pcr", help="extend a user PCR (16-31) with data")
    add_enclave_args(extend)
    extend.add_argument("--index", type=int, required=True, help="16..31")
    extend.add_argument("--data", required=True, metavar="HEX", help="bytes to extend with")
    extend.add_argument("--json", action="store_true")
    extend.set_defaults(handler=run_extend)
    lock = commands.add_parser("lock-pcr", help="lock a user PCR (16-31) until the enclave ends")
    add_enclave_args(lock)
    lock.add_argument("--index", type=int, required=True, help="16..31")
    lock.add_argument("--json", action="store_true")
    lock.set_defaults(handler=run_lock)
    rand = commands.add_parser("random", help="random bytes from the NSM, as hex")
    add_enclave_args(rand)
    rand.add_argument("--length", type=int, default=32, help="1..1024 (32)")
    rand.add_argument("--json", action="store_true")
    rand.set_defaults(handler=run_random)


def refuse_public_key(path: Path | None) -> None:
    """`--public-key` stays a recognised option so that using it gets the reason, not argparse's
    "unrecognized arguments"."""
    if path is None:
        return
    raise UsageError(
        "nitrodeck attest does not bind a public key you supply: KMS encrypts "
        "CiphertextForRecipient to the key in the document, so a document carrying your key "
        "would make the parent, not the enclave, the KMS recipient of secrets pinned to its PCRs",
        where=f"--public-key {path}",
        fix="attest with --nonce and --user-data only; to decrypt with KMS inside the enclave "
        "use `nitrodeck kms decrypt --enclave-name N --ciphertext-file F` (the agent makes the "
        "key and keeps its private half)",
    )


def document_summary(document: bytes) -> dict[str, Any]:
    doc = parse_document(document)
    return {
        "ModuleId": doc.module_id,
        "Timestamp": doc.timestamp_ms,
        "DebugMode": is_debug_mode(doc),
        "PCRs": {str(i): v.hex() for i, v in sorted(doc.pcrs.items())},
        "Nonce": None if doc.nonce is None else doc.nonce.hex(),
        "UserData": None if doc.user_data is None else doc.user_data.hex(),
        "PublicKey": None if doc.public_key is None else doc.public_key.hex(),
        "Size": len(document),
    }


def run_attest(args: argparse.Namespace) -> int:
    nonce = parse_hex("--nonce", args.nonce)
    user_data = parse_hex("--user-data", args.user_data)
    refuse_public_key(args.public_key)
    with open_agent(args) as agent:
        document = agent.attest(nonce=nonce, user_data=user_data)
    if args.out is not None:
        try:
            args.out.write_bytes(document)
        except OSError as error:
            raise NitrodeckError(f"cannot write: {error.strerror}", where=str(args.out)) from None
        progress(f"Wrote the attestation document ({len(document)} bytes) to {args.out}")
    summary = document_summary(document)
    if args.json:
        print_json({**summary, "Document": base64.b64encode(document).decode()})
        return 0
    print(f"module      {summary['ModuleId']}")
    print(f"size        {summary['Size']} bytes")
    print(f"debug mode  {'yes (PCR0/1/2 are zeros)' if summary['DebugMode'] else 'no'}")
    for index in ("0", "1", "2", "3", "4", "8"):
        if index in summary["PCRs"]:
            print(f"PCR{index:<8} {summary['PCRs'][index]}")
    for field in ("Nonce", "UserData", "PublicKey"):
        value = summary[field]
        if value is not None:
            print(f"{field.lower():<11} {value[:64]}{'…' if len(value) > 64 else ''}")
    if args.out is None:
        print("(pass --out FILE to save the document, e.g. for nitrodeck attestation verify)")
    return 0


def run_health(args: argparse.Namespace) -> int:
    with open_agent(args) as agent:
        health = agent.health()
    if args.json:
        print_json(dataclasses.asdict(health))
        return 0
    print(
        f"{health.status}: agent {health.version}, protocol {health.protocol}, "
        f"up {health.uptime_s:.1f} s; operations: {', '.join(health.ops)}"
    )
    return 0


def run_describe(args: argparse.Namespace) -> int:
    with open_agent(args) as agent:
        described = agent.describe()
    if args.json:
        print_json(
            {
                "ModuleId": described.module_id,
                "Version": described.version,
                "MaxPcrs": described.max_pcrs,
                "Digest": described.digest,
                "LockedPcrs": list(described.locked_pcrs),
                "PCRs": [
                    {"Index": p.index, "Locked": p.locked, "Value": p.value.hex()}
                    for p in described.pcrs
                ],
            }
        )
        return 0
    print(f"module {described.module_id}, NSM {described.version}, {described.digest}")
    for pcr in described.pcrs:
        print(f"PCR{pcr.index:<3} {'locked  ' if pcr.locked else 'unlocked'} {pcr.value.hex()}")
    return 0


def run_extend(args: argparse.Namespace) -> int:
    data = parse_hex("--data", args.data, limit=None) or b""
    with open_agent(args) as agent:
        value = agent.extend_pcr(args.index, data)
    if args.json:
        print_json({"Index": args.index, "Value": value.hex()})
        return 0
    print(f"PCR{args.index} {value.hex()}")
    return 0


def run_lock(args: argparse.Namespace) -> int:
    with open_agent(args) as agent:
        agent.lock_pcr(args.index)
    if args.json:
        print_json({"Index": args.index, "Locked": True})
        return 0
    print(f"PCR{args.index} locked: attestation documents now carry it")
    return 0


def run_random(args: argparse.Namespace) -> int:
    with open_agent(args) as agent:
        data = agent.random(args.length)
    if args.json:
        print_json({"Random": data.hex()})
        return 0
    print(data.hex())
    return 0
