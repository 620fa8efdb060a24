"""The parent instance as `HostInfo`: topology from sysfs, identity from IMDSv2 or the host.

When IMDS cannot be used the identity falls back to what the machine itself says: the instance
ID from DMI's `board_asset_tag` (as nitro-cli does for enclave IDs), the instance type from DMI's
`product_name`, the region from `AWS_REGION`/`AWS_DEFAULT_REGION`. `identity_note` keeps why, for
the doctor and the app's header.
"""

from __future__ import annotations

import os
import platform as pyplatform
from dataclasses import dataclass

from core.platform.base import HostInfo
from core.platform.nitro import sysfs
from core.platform.nitro.imds import Identity, ImdsClient, ImdsUnavailable
from core.platform.nitro.sysfs import ASSET_TAG, PRODUCT_NAME, SysRoot

UNKNOWN = "unknown"


@dataclass(frozen=True)
class HostIdentity:
    identity: Identity
    source: str  # "imds" or "host"
    note: str | None  # why IMDS was not used


def fallback_identity(sysroot: SysRoot) -> Identity:
    """What the host knows without IMDS."""
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or UNKNOWN
    return Identity(
        instance_id=sysroot.read(ASSET_TAG) or "i-0000000000000000",
        instance_type=sysroot.read(PRODUCT_NAME) or UNKNOWN,
        region=region,
        architecture=sysfs.architecture(sysroot) or pyplatform.machine(),
        account_id="",
        role_arn=None,
    )


def read_identity(sysroot: SysRoot, client: ImdsClient | None = None) -> HostIdentity:
    try:
        found = (client or ImdsClient()).identity()
    except ImdsUnavailable as error:
        return HostIdentity(fallback_identity(sysroot), "host", str(error))
    return HostIdentity(found, "imds", None)


def host_info(sysroot: SysRoot, who: HostIdentity) -> HostInfo:
    identity = who.identity
    nodes = sysfs.node_memory(sysroot)
    return HostInfo(
        platform="nitro",
        profile=None,
        instance_type=identity.instance_type or UNKNOWN,
        instance_id=identity.instance_id,
        region=identity.region or UNKNOWN,
        architecture=_arch(identity.architecture) or sysfs.architecture(sysroot) or UNKNOWN,
        role_arn=identity.role_arn,
        cpus=sysfs.cpu_topology(sysroot),
        memory_mib=sysfs.total_memory_mib(sysroot),
        node_memory_mib=tuple(n.total_mib for n in nodes),
        hugepage_sizes_kib=sysfs.hugepage_sizes_kib(sysroot),
        hugepages=sysfs.hugepages(sysroot),
    )


def _arch(name: str) -> str:
    """IMDS says `x86_64` or `arm64`; the kernel (and the simulator) say `aarch64`."""
    return "aarch64" if name == "arm64" else name
