"""JSON shapes, each produced in this one place: nitro-cli's for enclaves (field order =
docs/nitro-cli.md §3), and nitrodeck's own for the host and the enclave pool."""

from __future__ import annotations

from typing import Any

from core.platform.base import EnclaveInfo, HostInfo, HugepageCount, PoolConfig, PoolPlan, PoolState
from core.platform.cpulist import format_cpulist

MEASUREMENT_ORDER = ("HashAlgorithm", "PCR0", "PCR1", "PCR2", "PCR8")


def measurements_json(measurements: dict[str, str]) -> dict[str, str]:
    """The sorted `Measurements` map: `HashAlgorithm` first, then PCR0/1/2[/8]."""
    out = {"HashAlgorithm": "Sha384 { ... }"}
    for key in MEASUREMENT_ORDER[1:]:
        if key in measurements:
            out[key] = measurements[key]
    return out


def _placement(info: EnclaveInfo) -> dict[str, Any]:
    """The fields run-enclave and describe-enclaves share, in nitro-cli's order."""
    return {
        "EnclaveID": info.enclave_id,
        "ProcessID": info.process_id,
        "EnclaveCID": info.cid,
        "NumberOfCPUs": len(info.cpu_ids),
        "CPUIDs": list(info.cpu_ids),
        "MemoryMiB": info.memory_mib,
    }


def run_json(info: EnclaveInfo) -> dict[str, Any]:
    """run-enclave's stdout object."""
    return {"EnclaveName": info.name, **_placement(info)}


def describe_json(info: EnclaveInfo, *, metadata: bool = False) -> dict[str, Any]:
    """One describe-enclaves item; `EnclaveName` is omitted when null, as serde skips it."""
    out: dict[str, Any] = {} if info.name is None else {"EnclaveName": info.name}
    out.update(_placement(info))
    out["State"] = info.state
    out["Flags"] = info.flags
    out["Measurements"] = measurements_json(info.measurements)
    if metadata:
        out["ImageName"] = info.image_name
        out["ImageVersion"] = info.image_version
        out["Metadata"] = info.metadata
    return out


def terminate_json(info: EnclaveInfo) -> dict[str, Any]:
    """terminate-enclave's stdout object."""
    return {"EnclaveName": info.name, "EnclaveID": info.enclave_id, "Terminated": True}


def host_json(host: HostInfo) -> dict[str, Any]:
    """`nitrodeck pool show --json`'s host part."""
    return {
        "Platform": host.platform,
        "Profile": host.profile,
        "InstanceType": host.instance_type,
        "InstanceId": host.instance_id,
        "Region": host.region,
        "Architecture": host.architecture,
        "MemoryMiB": host.memory_mib,
        "NumaNodes": [
            {"Node": n, "MemoryMiB": m}
            for n, m in zip(host.numa_nodes, host.node_memory_mib, strict=False)
        ],
        "ThreadsPerCore": host.threads_per_core,
        "HugepageSizesKiB": list(host.hugepage_sizes_kib),
        "CPUs": [
            {"CPU": c.cpu, "Core": c.core, "Node": c.node, "Siblings": list(c.siblings)}
            for c in host.cpus
        ],
    }


def hugepages_json(pages: tuple[HugepageCount, ...]) -> list[dict[str, int]]:
    return [{"Node": h.node, "SizeKiB": h.size_kib, "Count": h.count} for h in pages]


def pool_json(pool: PoolState) -> dict[str, Any]:
    """The enclave pool as it is."""
    return {
        "Config": None if pool.config is None else config_json(pool.config),
        "CPUs": list(pool.cpus),
        "CPUList": format_cpulist(pool.cpus),
        "Node": pool.node,
        "MemoryMiB": pool.memory_mib,
        "Hugepages": hugepages_json(pool.hugepages),
        "UsedCPUs": list(pool.used_cpus),
        "UsedMemoryMiB": pool.used_memory_mib,
        "Enclaves": pool.enclaves,
    }


def config_json(config: PoolConfig) -> dict[str, Any]:
    return {
        "memory_mib": config.memory_mib,
        "cpu_count": config.cpu_count,
        "cpu_pool": config.cpu_pool,
    }


def plan_json(plan: PoolPlan) -> dict[str, Any]:
    """What `pool apply` would do, and every rule it would break."""
    return {
        "Config": config_json(plan.config),
        "OK": plan.ok,
        "CPUs": list(plan.cpus),
        "CPUList": format_cpulist(plan.cpus),
        "Node": plan.node,
        "MemoryMiB": plan.memory_mib,
        "Hugepages": hugepages_json(plan.hugepages),
        "Steps": list(plan.steps),
        "Violations": list(plan.violations),
    }
