"""nitro-cli's JSON shapes for enclaves, produced in this one place (field order = spec §3)."""

from __future__ import annotations

from typing import Any

from core.platform.base import EnclaveInfo

MEASUREMENT_ORDER = ("HashAlgorithm", "PCR0", "PCR1", "PCR2", "PCR8")


def measurements_json(measurements: dict[str, str]) -> dict[str, str]:
    """The sorted `Measurements` map: `HashAlgorithm` first, then PCR0/1/2[/8]."""
    out = {"HashAlgorithm": "Sha384 { ... }"}
    for key in MEASUREMENT_ORDER[1:]:
        if key in measurements:
            out[key] = measurements[key]
    return out


def run_json(info: EnclaveInfo) -> dict[str, Any]:
    """run-enclave's stdout object."""
    return {
        "EnclaveName": info.name,
        "EnclaveID": info.enclave_id,
        "ProcessID": info.process_id,
        "EnclaveCID": info.cid,
        "NumberOfCPUs": len(info.cpu_ids),
        "CPUIDs": list(info.cpu_ids),
        "MemoryMiB": info.memory_mib,
    }


def describe_json(info: EnclaveInfo, *, metadata: bool = False) -> dict[str, Any]:
    """One describe-enclaves item; `EnclaveName` is omitted when null, as serde skips it."""
    out: dict[str, Any] = {}
    if info.name is not None:
        out["EnclaveName"] = info.name
    out.update(
        {
            "EnclaveID": info.enclave_id,
            "ProcessID": info.process_id,
            "EnclaveCID": info.cid,
            "NumberOfCPUs": len(info.cpu_ids),
            "CPUIDs": list(info.cpu_ids),
            "MemoryMiB": info.memory_mib,
            "State": info.state,
            "Flags": info.flags,
            "Measurements": measurements_json(info.measurements),
        }
    )
    if metadata:
        out["ImageName"] = info.image_name
        out["ImageVersion"] = info.image_version
        out["Metadata"] = info.metadata
    return out


def terminate_json(info: EnclaveInfo) -> dict[str, Any]:
    """terminate-enclave's stdout object."""
    return {"EnclaveName": info.name, "EnclaveID": info.enclave_id, "Terminated": True}
