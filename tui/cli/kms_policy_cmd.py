"""`nitrodeck kms get-key-policy | put-key-policy`: read and replace a key's policy.

The fix for most policy problems is an edit: fetch the policy, change it, put it back. The new
policy is parsed by the same engine KMS evaluates with before it is sent, so a typo is reported
here with its place instead of as a remote error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.kms.inventory import client, key_policy
from core.kms.policy_model import PolicyError, parse_policy


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    get = commands.add_parser("get-key-policy", help="print a key's policy (JSON)")
    get.add_argument("--key-id", required=True, metavar="K", help="key ID, ARN or alias")
    get.add_argument("--endpoint-url", default=None, help="default: the running local KMS")
    get.set_defaults(handler=run_get)
    put = commands.add_parser("put-key-policy", help="replace a key's policy from a JSON file")
    put.add_argument("--key-id", required=True, metavar="K", help="key ID, ARN or alias")
    put.add_argument("--policy-file", required=True, type=Path, metavar="F")
    put.add_argument("--endpoint-url", default=None, help="default: the running local KMS")
    put.set_defaults(handler=run_put)


def _kms(args: argparse.Namespace) -> Any:
    from core.kms.target import boto3_client, local_target

    if args.endpoint_url is None and (args.platform or "sim") == "sim":
        return boto3_client(local_target())
    return client(args.endpoint_url)


def run_get(args: argparse.Namespace) -> int:
    text, _ = key_policy(_kms(args), args.key_id)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def run_put(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        text = args.policy_file.read_text()
    except OSError as error:
        raise NitrodeckError(
            f"cannot read: {error.strerror}", where=str(args.policy_file)
        ) from None
    try:
        parse_policy(text)
    except PolicyError as error:
        raise NitrodeckError(
            f"not a valid key policy: {error.what}",
            where=f"{args.policy_file}: {error.where}" if error.where else str(args.policy_file),
            fix=error.fix or "fix the JSON and put it again",
        ) from None
    kms = _kms(args)
    try:
        kms.put_key_policy(KeyId=args.key_id, PolicyName="default", Policy=text)
    except (ClientError, BotoCoreError) as error:
        raise NitrodeckError(
            f"KMS refused the policy: {error}",
            where=args.key_id,
            fix="check the key id and that the policy still lets you kms:PutKeyPolicy",
        ) from None
    print(f"replaced the policy of {args.key_id}")
    return 0
