"""EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand,
ListKeyRotations: key material rotation of symmetric encryption keys.

As in AWS: only SYMMETRIC_DEFAULT keys rotate (others: UnsupportedOperationException; their
GetKeyRotationStatus is false); a Disabled key answers DisabledException and one pending deletion
KMSInvalidStateException; on-demand rotation does not move the automatic schedule and is
limited to 25 per key; rotation here completes at once.
"""

from __future__ import annotations

from typing import Any

from core.kms.local import materials
from core.kms.local.errors import KmsError
from core.kms.local.ops_states import managed_key
from core.kms.local.paging import page
from core.kms.local.service import Service
from core.kms.local.specs import SYMMETRIC
from core.kms.local.states import PENDING_DELETION, require_usable
from core.kms.local.store import KeyRecord

DEFAULT_PERIOD = 365
MAX_ON_DEMAND = 25


def _rotatable(service: Service, record: KeyRecord) -> KeyRecord:
    """`record` if it may rotate now: symmetric, and Enabled."""
    if record.key_spec != SYMMETRIC:
        raise KmsError(
            "UnsupportedOperationException",
            f"{service.arn(record)} key spec is {record.key_spec}: only symmetric encryption "
            "keys (SYMMETRIC_DEFAULT) support key rotation",
        )
    require_usable(service.region, record)
    return record


def enable_key_rotation(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    days = int(body.get("RotationPeriodInDays") or DEFAULT_PERIOD)
    conditions = {"kms:RotationPeriodInDays": str(days)}
    record = _rotatable(
        service, managed_key(service, body, principal, "kms:EnableKeyRotation", conditions)
    )
    materials.set_schedule(service.store, record.key_id, days)
    return {}


def disable_key_rotation(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = _rotatable(service, managed_key(service, body, principal, "kms:DisableKeyRotation"))
    materials.set_schedule(service.store, record.key_id, None)
    return {}


def get_key_rotation_status(
    service: Service, body: dict[str, Any], principal: str
) -> dict[str, Any]:
    record = managed_key(service, body, principal, "kms:GetKeyRotationStatus")
    materials.rotate_if_due(service.store, record)
    record = service.store.key(record.key_id) or record
    enabled = record.rotation_period is not None and record.state != PENDING_DELETION
    out: dict[str, Any] = {"KeyRotationEnabled": enabled, "KeyId": service.arn(record)}
    if enabled:
        out["RotationPeriodInDays"] = record.rotation_period
        out["NextRotationDate"] = record.next_rotation
    return out


def rotate_key_on_demand(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = _rotatable(service, managed_key(service, body, principal, "kms:RotateKeyOnDemand"))
    done = sum(
        1 for _, _, kind in materials.history(service.store, record.key_id) if kind == "ON_DEMAND"
    )
    if done >= MAX_ON_DEMAND:
        raise KmsError(
            "LimitExceededException",
            f"{service.arn(record)} has had the maximum of {MAX_ON_DEMAND} on-demand rotations",
        )
    materials.rotate(service.store, record.key_id, materials.ON_DEMAND)
    return {"KeyId": service.arn(record)}


def list_key_rotations(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    """Completed rotations, oldest first; with IncludeKeyMaterial=ALL_KEY_MATERIAL the original
    material as well. Each names its material and whether it is the current one."""
    record = managed_key(service, body, principal, "kms:ListKeyRotations")
    if record.key_spec != SYMMETRIC:
        raise KmsError(
            "UnsupportedOperationException",
            f"{service.arn(record)} key spec is {record.key_spec}, which does not rotate",
        )
    rotations = materials.history(service.store, record.key_id)
    newest = rotations[-1][0] if rotations else 0
    entries: list[dict[str, Any]] = []
    if body.get("IncludeKeyMaterial") == "ALL_KEY_MATERIAL":
        entries.append({"KeyId": service.arn(record), **_material(record.key_id, 0, newest)})
    for version, when, kind in rotations:
        entries.append(
            {
                "KeyId": service.arn(record),
                "RotationDate": when,
                "RotationType": kind,
                **_material(record.key_id, version, newest),
            }
        )
    items, extra = page(body, entries, "ListKeyRotations")
    return {"Rotations": items, **extra}


def _material(key_id: str, version: int, newest: int) -> dict[str, str]:
    return {
        "KeyMaterialId": materials.material_id(key_id, version),
        "KeyMaterialState": "CURRENT" if version == newest else "NON_CURRENT",
    }
