"""`nitrodeck kms create-demo-key`: a key only the running enclave's image may decrypt with.

The policy pins the enclave's PCR0; a random demo secret is encrypted under the key and the
ciphertext saved, ready for `nitrodeck kms decrypt --ciphertext-file …` (or the app's KMS view).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from core.flows.demo_key import make_demo_key
from core.flows.kms import kms_target_for
from core.kms.target import KmsTarget
from core.platform.select import open_platform
from tui.cli.output import cli_home, print_json, progress


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "create-demo-key",
        help="create a key whose policy pins a running enclave's PCR0, and encrypt a demo secret",
    )
    demo.add_argument(
        "--enclave-name", required=True, metavar="N", help="the enclave's name (or its ID)"
    )
    demo.add_argument("--alias", metavar="A", help="also create this alias (alias/…)")
    demo.add_argument(
        "--output", type=Path, metavar="F", help="ciphertext file (default under the home)"
    )
    demo.add_argument(
        "--endpoint-url", metavar="U", help="KMS endpoint (default: local KMS on the simulator)"
    )
    demo.add_argument(
        "--decrypt-principal",
        metavar="ARN",
        help="who may decrypt (inside the enclave only); required on AWS, where you administer "
        "the key (local KMS: user/nitrodeck-local decrypts, user/nitrodeck-admin administers)",
    )
    demo.add_argument("--json", action="store_true", help="print the result as JSON")
    demo.set_defaults(handler=run_create_demo_key)


def run_create_demo_key(args: argparse.Namespace) -> int:
    home = cli_home(args)
    platform = open_platform(args.platform, args.profile, home=home)

    def target() -> KmsTarget:
        chosen = kms_target_for(platform, args.endpoint_url, home)
        if not args.json:
            progress(f"KMS: {chosen.describe()}")
        return chosen

    try:  # open while the key is made: a remote's KMS is reached through its connection
        made = make_demo_key(
            platform,
            args.enclave_name,
            target,
            home,
            decrypt_principal=args.decrypt_principal,
            alias=args.alias,
            output=args.output,
        )
    finally:
        platform.close()
    demo, roles = made.demo, made.roles
    if args.json:
        print_json(demo.to_json())
        return 0
    print(f"created key {demo.key_id}" + (f" ({demo.alias})" if demo.alias else ""))
    print(f"  decrypt only inside an enclave whose PCR0 is {demo.pcr0}")
    print(f"  administered by {roles.admin}; decrypted by {roles.decryptor}")
    print(f"  demo secret: {demo.plaintext_length} bytes; its proof {demo.expected_proof}")
    print(f"  ciphertext:  {demo.ciphertext_path}")
    print(f"  proof key:   {demo.proof_key_path} (HMAC-SHA256 key: the proof proves the secret)")
    if demo.debug_enclave:
        print(f"  note: {demo.enclave} runs in debug mode; its documents carry a zero PCR0, so")
        print("        KMS will deny it (run the image without --debug-mode to decrypt)")
    print(
        f"try: nitrodeck kms decrypt --enclave-name {demo.enclave} "
        f"--ciphertext-file {demo.ciphertext_path} --proof-key @{demo.proof_key_path}"
    )
    return 0
