"""Set-up shared by the rollout tests: an old enclave `web` on a member, and what runs now."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.home import Home
from core.platform.base import EnclaveInfo, PoolConfig, RunRequest
from core.remote.target import Target, open_target

ROOMY = PoolConfig(memory_mib=2048, cpu_count=4)  # two 1 GiB pages: old and new side by side
TIGHT = PoolConfig(memory_mib=512, cpu_count=2)  # room for one enclave only


def start_old(
    target: Target, image: Path, *, debug: bool = False, pool: PoolConfig = ROOMY
) -> EnclaveInfo:
    """The enclave `web` (256 MiB, 2 CPUs) on a member whose pool is set to `pool` first."""
    platform = open_target(target, home=Home.resolve())
    try:
        platform.apply_pool(pool)
        request = RunRequest(image, 256, cpu_count=2, debug_mode=debug, enclave_name="web")
        return platform.run_enclave(request)
    finally:
        platform.close()


def running(target: Target) -> list[EnclaveInfo]:
    platform = open_target(target, home=Home.resolve())
    try:
        return [e for e in platform.describe_enclaves() if (e.name or "").startswith("web")]
    finally:
        platform.close()


def pinned_pcr0s(kms: Any, key_id: str) -> set[str]:
    """The PCR0 values the key's policy lets decrypt (ImageSha384 conditions)."""
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    found: set[str] = set()
    for statement in policy["Statement"]:
        for block in (statement.get("Condition") or {}).values():
            values = block.get("kms:RecipientAttestation:ImageSha384", [])
            found |= {values} if isinstance(values, str) else set(values)
    return found


@contextmanager
def local_key(pcr0: str) -> Iterator[tuple[Any, str]]:
    """This home's local KMS with a key whose Decrypt is pinned to `pcr0`; stopped after."""
    from core.kms.demo import demo_key_policy
    from core.kms.inventory import local_client
    from core.kms.local.credentials import (
        ADMIN_PRINCIPAL_ARN,
        ADMIN_PROFILE,
        PRINCIPAL_ARN,
        credentials_path,
    )
    from core.kms.local.daemon import ensure_local_kms, stop_local_kms

    home = Home.resolve()
    # the key's administrator
    kms = local_client(ensure_local_kms(home), credentials_path(home), profile=ADMIN_PROFILE)
    policy = demo_key_policy(pcr0, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    try:
        key_id = kms.create_key(Policy=policy)["KeyMetadata"]["KeyId"]
        yield kms, key_id
    finally:
        stop_local_kms(home)
