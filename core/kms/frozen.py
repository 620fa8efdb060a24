"""A frozen KMS for pictures: fixed keys and policies (boto3's method shapes) and fixed decrypt
outcomes whose denials are explained by the real policy engine.

Screenshots and screen snapshots must come out byte-identical on every run, which a live KMS
(random key ids, ports, secrets) cannot give; the screens themselves are the real ones.
"""

from __future__ import annotations

import json
from typing import Any

from core.agent.client import DecryptProof
from core.kms.client import FlowResult, describe_proof
from core.kms.demo import demo_key_policy
from core.kms.denial import DenialExplanation
from core.kms.explain import explain
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN
from core.platform.base import EnclaveInfo
from core.platform.demo import DemoPlatform
from core.steps import Step

PCR0 = "15c3a6" + "7e" * 45
ARN_PREFIX = "arn:aws:kms:us-east-1:111122223333:key/"
KEYS = {
    "0b5a3c1e-9f62-4d7a-8c21-5e0f7a9b3d44": ("alias/payments", "payments data key", True),
    "7d2e4f80-13ab-4c5d-9e6f-0a1b2c3d4e5f": ("alias/legacy", "no attestation", False),
}
PAYMENTS_ARN = ARN_PREFIX + next(iter(KEYS))
KEY_STEP = Step(
    "enclave key", "ok", "RSA-2048 key made inside the enclave; document 5211 bytes"
)


def fixed_enclaves() -> list[EnclaveInfo]:
    return [
        EnclaveInfo("payments", "i-0abc-enc1", 4242, 16, (1, 3), 512, "RUNNING", False, {}),
        EnclaveInfo("batch", "i-0abc-enc2", 4243, 17, (2,), 256, "RUNNING", True, {}),
    ]


class FixedPlatform(DemoPlatform):
    """The demo platform (the simulator's defaults, changing nothing) running the two fixed
    enclaves the KMS pictures name."""

    def describe_enclaves(self) -> list[EnclaveInfo]:
        return fixed_enclaves()


class _Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self) -> list[dict[str, Any]]:
        return self.pages


class FixedKms:
    """ListKeys, ListAliases, DescribeKey, GetKeyPolicy and ListGrants (none) over `KEYS`."""

    class meta:
        endpoint_url = "http://127.0.0.1:4599"

    def get_paginator(self, name: str) -> _Pages:
        if name == "list_aliases":
            aliases = [{"AliasName": a, "TargetKeyId": k} for k, (a, _, _) in KEYS.items()]
            return _Pages([{"Aliases": aliases}])
        keys = [{"KeyId": k, "KeyArn": ARN_PREFIX + k} for k in KEYS]
        return _Pages([{"Keys": keys}])

    @staticmethod
    def _key(key_id: str) -> str:
        return key_id.removeprefix(ARN_PREFIX)

    def describe_key(self, KeyId: str) -> dict[str, Any]:
        key = self._key(KeyId)
        return {
            "KeyMetadata": {
                "KeyId": key,
                "Arn": ARN_PREFIX + key,
                "Description": KEYS[key][1],
                "KeyState": "Enabled" if KEYS[key][2] else "Disabled",  # legacy is switched off
                "Enabled": KEYS[key][2],
            }
        }

    def list_grants(self, KeyId: str) -> dict[str, Any]:
        return {"Grants": [], "Truncated": False}

    def get_key_policy(self, KeyId: str, PolicyName: str) -> dict[str, Any]:
        if KEYS[self._key(KeyId)][2]:
            return {
                "Policy": demo_key_policy(PCR0, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
            }
        statement = {
            "Effect": "Allow",
            "Principal": {"AWS": PRINCIPAL_ARN},
            "Action": "kms:*",
            "Resource": "*",
        }
        return {"Policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}


def decrypted() -> FlowResult:
    """A successful decrypt of a 32-byte secret under the payments key."""
    decrypted = DecryptProof(32, bytes(range(32)))
    steps = [
        KEY_STEP,
        Step("kms decrypt", "ok", f"key {PAYMENTS_ARN}: CiphertextForRecipient 2218 bytes"),
        Step("enclave decrypt", "ok", f"decrypted: {describe_proof(decrypted)}"),
    ]
    return FlowResult(steps=steps, decrypted=decrypted, key_id=PAYMENTS_ARN)


def denied(pcrs: dict[int, bytes]) -> FlowResult:
    """The payments key refusing a document with `pcrs`, explained by the real engine."""
    explanation = explain(
        demo_key_policy(PCR0, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN),
        principal=PRINCIPAL_ARN,
        pcrs=pcrs,
        resource=PAYMENTS_ARN,
    )
    causes = [f for f in explanation.findings if f.kind == "cause"]
    steps = [
        KEY_STEP,
        Step("kms decrypt", "denied", "AccessDeniedException: not authorized"),
        Step("key policy", "ok", f"fetched the key policy of {PAYMENTS_ARN}"),
        Step("explain", "denied", causes[0].message),
    ]
    summary = DenialExplanation(explanation, f"denied: {causes[0].message}")
    return FlowResult(steps=steps, key_id=PAYMENTS_ARN, explanation=summary)


OTHER_IMAGE = {0: bytes.fromhex("ab" * 48), 1: bytes(range(48)), 2: bytes(48 * [7])}
DEBUG_MODE = {0: bytes(48), 1: bytes(48), 2: bytes(48)}
