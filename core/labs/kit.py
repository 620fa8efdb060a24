"""Pieces several labs share: an image plus a key pinned to it, and the probes that follow."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from core.eif.measure import Measurements
from core.eif.reader import measure_eif
from core.kms.demo import DECRYPT_SID, demo_key_policy
from core.labs.env import ADMIN, PRINCIPAL, LabEnv
from core.labs.model import Probe
from core.labs.probes import enclave_running

APP = "app.eif"
APP_FILES = {"/app/config.json": b'{"log_level": "info", "port": 8000}\n'}


def policy_with(
    pcr0: str,
    *,
    conditions: Mapping[str, str] | None = None,
    statements: tuple[dict[str, Any], ...] = (),
) -> str:
    """The demo key policy (PCR0 pinned) with more attestation conditions and statements."""
    policy = json.loads(demo_key_policy(pcr0, admin=ADMIN, decryptor=PRINCIPAL))
    decrypt = next(s for s in policy["Statement"] if s.get("Sid") == DECRYPT_SID)
    decrypt["Condition"]["StringEqualsIgnoreCase"].update(conditions or {})
    policy["Statement"].extend(statements)
    return json.dumps(policy, indent=2)


def image_and_key(
    env: LabEnv,
    *,
    files: Mapping[str, bytes] = APP_FILES,
    conditions: Mapping[str, str] | None = None,
    statements: tuple[dict[str, Any], ...] = (),
) -> Measurements:
    """Build `app.eif`, create `alias/lab` pinned to its PCR0 and encrypt `secret.enc` under it."""
    measured = env.build_image(APP, files)
    policy = policy_with(measured.pcr0, conditions=conditions, statements=statements)
    key_id = env.create_key(policy, "lab key: decrypt only inside the lab's enclave image")
    env.encrypt_secret(key_id)
    return measured


def runs_app(env: LabEnv, eif: str = APP) -> list[Probe]:
    """The lab's enclave runs, from `eif` as it is on disk now (PCR0 compared)."""
    probe, info = enclave_running(env)
    if info is None:
        return [probe]
    wanted = measure_eif(env.path(eif)).pcr0
    actual = info.measurements.get("PCR0", "")
    same = Probe(
        actual == wanted,
        f"it runs {eif} as built",
        f"PCR0 {actual[:16]}… vs {eif} {wanted[:16]}…",
    )
    return [probe, same]
