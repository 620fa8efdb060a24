"""Deterministic stand-ins for the attestation and KMS snapshots: a platform listing fixed
enclaves and a KMS client with fixed keys and policies (boto3's method shapes)."""

from __future__ import annotations

import json
from typing import Any

from core.kms.demo import demo_key_policy
from core.kms.local.credentials import PRINCIPAL_ARN
from core.platform.base import EnclaveInfo

PCR0 = "15c3a6" + "7e" * 45
KEYS = {
    "0b5a3c1e-9f62-4d7a-8c21-5e0f7a9b3d44": ("alias/payments", "payments data key", True),
    "7d2e4f80-13ab-4c5d-9e6f-0a1b2c3d4e5f": ("alias/legacy", "no attestation", False),
}


def fixed_enclaves() -> list[EnclaveInfo]:
    return [
        EnclaveInfo("payments", "i-0abc-enc1", 4242, 16, (1, 3), 512, "RUNNING", False, {}),
        EnclaveInfo("batch", "i-0abc-enc2", 4243, 17, (2,), 256, "RUNNING", True, {}),
    ]


class FixedPlatform:
    """Only what the screens ask of a platform before they act: the running enclaves."""

    name = "sim"

    def describe_enclaves(self) -> list[EnclaveInfo]:
        return fixed_enclaves()


class _Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self) -> list[dict[str, Any]]:
        return self.pages


class FixedKms:
    """ListKeys, ListAliases, DescribeKey and GetKeyPolicy over `KEYS` (by key ID or ARN)."""

    class meta:
        endpoint_url = "http://127.0.0.1:4599"

    def get_paginator(self, name: str) -> _Pages:
        if name == "list_aliases":
            aliases = [{"AliasName": a, "TargetKeyId": k} for k, (a, _, _) in KEYS.items()]
            return _Pages([{"Aliases": aliases}])
        keys = [{"KeyId": k, "KeyArn": self._arn(k)} for k in KEYS]
        return _Pages([{"Keys": keys}])

    def _arn(self, key: str) -> str:
        return f"arn:aws:kms:us-east-1:111122223333:key/{key}"

    def describe_key(self, KeyId: str) -> dict[str, Any]:
        key = KeyId.rsplit("/", 1)[-1]
        state = "Enabled" if KEYS[key][2] else "Disabled"  # the legacy key is switched off
        meta = {"Arn": self._arn(key), "Description": KEYS[key][1], "KeyState": state}
        return {"KeyMetadata": meta}

    def get_key_policy(self, KeyId: str, PolicyName: str) -> dict[str, Any]:
        if KEYS[KeyId.rsplit("/", 1)[-1]][2]:
            return {"Policy": demo_key_policy(PRINCIPAL_ARN, PCR0)}
        statement = {"Effect": "Allow", "Principal": {"AWS": PRINCIPAL_ARN}, "Action": "kms:*"}
        return {"Policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}
