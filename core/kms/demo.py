"""A demo key that only one enclave image may use, and a secret encrypted under it.

So a newcomer can walk the whole `Recipient` flow without writing a policy: the key's policy
lets an administrator manage the key, and lets a different principal (the parent instance)
encrypt, read the policy, and kms:Decrypt only with an attestation document whose PCR0
(`kms:RecipientAttestation:ImageSha384`) is the running enclave's image. The decrypting
principal can neither rewrite the policy nor grant itself access. The
demo secret is random, encrypted at once and never written in the clear: only its length and its
HMAC-SHA256 under a fresh proof key (saved beside the ciphertext, 0600) are kept, to compare with
the proof the enclave returns for `kms decrypt --proof-key @FILE`.
"""

from __future__ import annotations

import hmac
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.home import Home, write_private_file
from core.kms.context import IMAGE_SHA384
from core.kms.errors import kms_error
from core.kms.separation import admin_overlaps
from core.platform.base import EnclaveInfo

DEMO_SECRET_BYTES = 32
PROOF_KEY_SUFFIX = ".proof-key"
DEMO_DESCRIPTION = "nitrodeck demo key: decrypt only inside enclave image {pcr0}…"
_PCR0 = re.compile(r"[0-9a-f]{96}")


@dataclass(frozen=True)
class DemoKey:
    """What was created: the key, the PCR0 it pins and the ciphertext of the demo secret."""

    key_id: str
    arn: str
    alias: str | None
    pcr0: str
    enclave: str
    debug_enclave: bool
    ciphertext_path: Path
    plaintext_length: int
    proof_key_path: Path
    expected_proof: str
    """HMAC-SHA256(proof key, secret): what `kms decrypt --proof-key @proof_key_path` prints."""
    policy: str

    def to_json(self) -> dict[str, Any]:
        return {
            "KeyId": self.key_id,
            "Arn": self.arn,
            "Alias": self.alias,
            "PinnedPCR0": self.pcr0,
            "Enclave": self.enclave,
            "DebugEnclave": self.debug_enclave,
            "CiphertextFile": str(self.ciphertext_path),
            "PlaintextLength": self.plaintext_length,
            "ProofKeyFile": str(self.proof_key_path),
            "ExpectedProof": self.expected_proof,
        }


def enclave_pcr0(enclave: EnclaveInfo) -> str:
    """The enclave image's PCR0 as the platform measured it (lower-case hex, 96 digits)."""
    pcr0 = str(enclave.measurements.get("PCR0", "")).lower()
    if not _PCR0.fullmatch(pcr0):
        raise NitrodeckError(
            "the platform reports no PCR0 for this enclave",
            where=f"enclave {enclave.name or enclave.enclave_id}",
            fix="run the enclave from an EIF file (nitrodeck enclaves run --eif-path …)",
        )
    return pcr0


ADMIN_ACTIONS = (
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:Encrypt",
)
DECRYPTOR_ACTIONS = ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:Encrypt")
# The demo policy's statements, in this order (find them by Sid, not by position).
ADMIN_SID = "key-administration"
READ_SID = "enclave-parent-read-and-encrypt"
DECRYPT_SID = "decrypt-only-in-enclave"


def demo_key_policy(pcr0: str, *, admin: str, decryptor: str) -> str:
    """Administration for `admin`; for `decryptor` Encrypt, read access and Decrypt only with
    an attested PCR0 equal to `pcr0`.

    The two must be different principals: a decryptor that may PutKeyPolicy or CreateGrant can
    remove its own attestation condition (`core.kms.separation`); this refuses such a policy.
    StringEqualsIgnoreCase, as AWS recommends for PCR conditions (KMS gives lower-case hex).
    """
    if not _PCR0.fullmatch(pcr0):
        raise NitrodeckError(f"{pcr0!r} is not a PCR0 (96 lower-case hex digits)", where="pcr0")
    statements = [
        {
            "Sid": ADMIN_SID,
            "Effect": "Allow",
            "Principal": {"AWS": admin},
            "Action": list(ADMIN_ACTIONS),
            "Resource": "*",
        },
        {
            "Sid": READ_SID,
            "Effect": "Allow",
            "Principal": {"AWS": decryptor},
            "Action": list(DECRYPTOR_ACTIONS),
            "Resource": "*",
        },
        {
            "Sid": DECRYPT_SID,
            "Effect": "Allow",
            "Principal": {"AWS": decryptor},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEqualsIgnoreCase": {IMAGE_SHA384: pcr0}},
        },
    ]
    policy = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
    overlaps = admin_overlaps(policy)
    if overlaps:
        raise NitrodeckError(
            overlaps[0].message,
            where=f"key administrator {admin}",
            fix="administer the key as another principal than the one that decrypts "
            "(--decrypt-principal names the parent instance's role)",
        )
    return policy


def demo_dir(home: Home) -> Path:
    return home.kms_dir / "demo"


def create_demo_key(
    kms: Any,
    enclave: EnclaveInfo,
    *,
    admin: str,
    decryptor: str,
    alias: str | None = None,
    home: Home,
    output: Path | None = None,
) -> DemoKey:
    """Create the key (and `alias`), encrypt a fresh random secret under it, save the ciphertext.

    `kms` is a boto3 KMS client signed as `admin` (CreateKey refuses a policy that would lock
    its caller out); the default output is `<home>/kms/demo/<key id>.enc`.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    pcr0 = enclave_pcr0(enclave)
    name = enclave.name or enclave.enclave_id
    policy = demo_key_policy(pcr0, admin=admin, decryptor=decryptor)
    secret = os.urandom(DEMO_SECRET_BYTES)
    try:
        meta = kms.create_key(Policy=policy, Description=DEMO_DESCRIPTION.format(pcr0=pcr0[:16]))[
            "KeyMetadata"
        ]
        key_id = str(meta["KeyId"])
        if alias:
            kms.create_alias(AliasName=alias, TargetKeyId=key_id)
        blob = bytes(kms.encrypt(KeyId=key_id, Plaintext=secret)["CiphertextBlob"])
    except (ClientError, BotoCoreError) as error:
        where = str(getattr(kms.meta, "endpoint_url", "KMS"))
        raise kms_error(error, action="CreateKey/Encrypt (the demo key)", where=where) from None
    path = output or demo_dir(home) / f"{key_id}.enc"
    proof_path = path.with_name(path.name + PROOF_KEY_SUFFIX)
    proof_key = os.urandom(32)
    try:
        write_private_file(path, blob)
        write_private_file(proof_path, proof_key.hex().encode() + b"\n")
    except OSError as error:
        raise NitrodeckError(f"cannot write the ciphertext: {error}", where=str(path)) from None
    return DemoKey(
        key_id=key_id,
        arn=str(meta.get("Arn", key_id)),
        alias=alias,
        pcr0=pcr0,
        enclave=name,
        debug_enclave=enclave.debug,
        ciphertext_path=path,
        plaintext_length=len(secret),
        proof_key_path=proof_path,
        expected_proof=hmac.new(proof_key, secret, "sha256").hexdigest(),
        policy=policy,
    )
