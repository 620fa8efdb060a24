"""`nitrodeck kms decrypt|encrypt`: the KMS `Recipient` flow from the parent, step by step.

`decrypt` asks the enclave's agent for a key and document, calls KMS Decrypt with `Recipient`,
and has the agent decrypt `CiphertextForRecipient` inside; it prints each step, the
plaintext's length and, with `--proof-key`, HMAC-SHA256 of the plaintext under that key (never
the plaintext, nor a bare digest of it). On a denial it fetches the key policy and
explains it. On the simulator the default KMS is the local one (started as a daemon); on Nitro,
AWS through boto3's usual credentials and region. `encrypt` is a parent-side convenience for demos.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.flows.decrypt import DecryptRequest, decrypt_in_enclave
from core.input_files import read_input
from core.kms.client import FlowResult, describe_proof
from core.kms.errors import kms_error
from core.kms.inputs import encryption_context, proof_key, read_blob
from core.kms.target import KmsTarget, boto3_client, caller_principal
from core.platform.base import Platform
from core.platform.select import open_platform
from core.steps import Step
from tui.cli.agent import add_enclave_args
from tui.cli.output import cli_home, print_json, progress

MARKS = {"ok": "✓", "denied": "✗", "failed": "✗", "skipped": "-"}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    decrypt = commands.add_parser(
        "decrypt",
        help="decrypt inside an enclave with KMS Recipient (prints the length, and a keyed proof)",
    )
    add_enclave_args(decrypt)
    decrypt.add_argument(
        "--ciphertext-file", type=Path, required=True, metavar="F", help="raw or base64 blob"
    )
    decrypt.add_argument("--key-id", metavar="K", help="key ID, ARN or alias (optional)")
    decrypt.add_argument(
        "--proof-key",
        metavar="HEX|@F",
        help="16-64 secret bytes: the enclave returns HMAC-SHA256(key, plaintext) to compare "
        "with your own (`openssl dgst -sha256 -mac HMAC -macopt hexkey:…`)",
    )
    add_kms_args(decrypt)
    decrypt.add_argument("--json", action="store_true", help="the steps and result as JSON")
    decrypt.set_defaults(handler=run_decrypt)

    encrypt = commands.add_parser("encrypt", help="encrypt a file under a KMS key (parent side)")
    encrypt.add_argument("--key-id", required=True, metavar="K")
    encrypt.add_argument("--plaintext-file", type=Path, required=True, metavar="F")
    encrypt.add_argument("--output", type=Path, required=True, metavar="F")
    add_kms_args(encrypt)
    encrypt.set_defaults(handler=run_encrypt)


def add_kms_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint-url", metavar="U", help="KMS endpoint (default: local KMS on the simulator)"
    )
    parser.add_argument(
        "--encryption-context",
        action="append",
        default=[],
        metavar="K=V",
        help="encryption context pair (repeatable)",
    )


def _target(args: argparse.Namespace, platform: Platform) -> KmsTarget:
    """`--endpoint-url`, else the KMS the platform uses by default (local or AWS)."""
    from core.flows.kms import kms_target_for

    return kms_target_for(platform, args.endpoint_url, cli_home(args))


def print_step(step: Step) -> None:
    print(f"{MARKS.get(step.status, '?')} {step.name}: {step.detail}", flush=True)


def _print_result(result: FlowResult) -> None:
    if result.explanation is not None:
        print()
        print(f"why: {result.explanation.summary}")
        for line in result.explanation.lines():
            print(f"  {line}")
    if result.decrypted is not None:
        print()
        print(f"plaintext: {describe_proof(result.decrypted)}")
        print("(the plaintext stayed inside the enclave)")


def run_decrypt(args: argparse.Namespace) -> int:
    ciphertext = read_blob(args.ciphertext_file)
    context = encryption_context(args.encryption_context)
    proof = None if args.proof_key is None else proof_key(args.proof_key)
    platform = open_platform(args.platform, args.profile, home=cli_home(args))
    try:
        target = _target(args, platform)
        if not args.json:
            progress(f"KMS: {target.describe()}")
        request = DecryptRequest(
            args.enclave_name, ciphertext, args.key_id, context, proof, args.agent_port
        )
        result = decrypt_in_enclave(
            platform,
            boto3_client(target),
            lambda: caller_principal(target),
            request,
            None if args.json else print_step,
        )
    finally:
        platform.close()
    if args.json:
        print_json(result.to_json())
    else:
        _print_result(result)
    return 0 if result.ok else 1


def run_encrypt(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    plaintext = read_input(args.plaintext_file, "--plaintext-file")
    request: dict[str, Any] = {"KeyId": args.key_id, "Plaintext": plaintext}
    context = encryption_context(args.encryption_context)
    if context:
        request["EncryptionContext"] = context
    platform = open_platform(args.platform, args.profile, home=cli_home(args))
    try:  # open until Encrypt returns: a remote's KMS is reached through its connection
        target = _target(args, platform)
        try:
            blob = bytes(boto3_client(target).encrypt(**request)["CiphertextBlob"])
        except (ClientError, BotoCoreError) as error:
            raise kms_error(
                error, action="Encrypt", where=target.describe(), key=args.key_id
            ) from None
    finally:
        platform.close()
    try:
        args.output.write_bytes(blob)
    except OSError as error:
        raise NitrodeckError(f"cannot write: {error.strerror}", where=str(args.output)) from None
    print(
        f"encrypted {len(plaintext)} bytes under {args.key_id}: wrote {len(blob)} bytes of "
        f"ciphertext to {args.output}",
        file=sys.stdout,
    )
    return 0


def enclave_document(args: argparse.Namespace) -> bytes:
    """A fresh attestation document from `--enclave-name`'s agent (for `kms explain`)."""
    from tui.cli.agent import open_agent

    with open_agent(args) as agent:
        return agent.attest()
