"""Set-up shared by the rollout tests: an old enclave `web` on a member, and what runs now."""

from __future__ import annotations

from pathlib import Path

from core.platform.base import EnclaveInfo, PoolConfig, RunRequest
from core.remote.target import Target, open_target

ROOMY = PoolConfig(memory_mib=2048, cpu_count=4)  # two 1 GiB pages: old and new side by side
TIGHT = PoolConfig(memory_mib=512, cpu_count=2)  # room for one enclave only


def start_old(
    target: Target, image: Path, *, debug: bool = False, pool: PoolConfig = ROOMY
) -> EnclaveInfo:
    """The enclave `web` (256 MiB, 2 CPUs) on a member whose pool is set to `pool` first."""
    platform = open_target(target)
    try:
        platform.apply_pool(pool)
        request = RunRequest(image, 256, cpu_count=2, debug_mode=debug, enclave_name="web")
        return platform.run_enclave(request)
    finally:
        platform.close()


def running(target: Target) -> list[EnclaveInfo]:
    platform = open_target(target)
    try:
        return [e for e in platform.describe_enclaves() if (e.name or "").startswith("web")]
    finally:
        platform.close()
