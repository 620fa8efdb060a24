"""Deterministic stand-ins for the attestation and KMS snapshots (shared with the screenshots:
`core.kms.frozen`)."""

from __future__ import annotations

import json
from typing import Any

from core.kms.demo import demo_key_policy
from core.kms.frozen import KEYS, PCR0, FixedKms, FixedPlatform, fixed_enclaves
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN

__all__ = [
    "KEYS",
    "PCR0",
    "FixedKms",
    "FixedPlatform",
    "SelfAdministeringKms",
    "fixed_enclaves",
]


class SelfAdministeringKms(FixedKms):
    """Issue 14's old demo policy: the principal that decrypts in the enclave may also
    PutKeyPolicy, so it can drop the attestation condition."""

    def get_key_policy(self, KeyId: str, PolicyName: str) -> dict[str, Any]:
        policy = json.loads(
            demo_key_policy(PCR0, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
        )
        policy["Statement"][0]["Principal"] = {"AWS": PRINCIPAL_ARN}
        policy["Statement"][0]["Sid"] = "admin"
        return {"Policy": json.dumps(policy, indent=2)}
