"""EnableKey, DisableKey, ScheduleKeyDeletion, CancelKeyDeletion: the key lifecycle.

Each takes only a key ID or key ARN (AWS's model), authorizes `kms:<Operation>`, and answers a
key pending deletion with KMSInvalidStateException as AWS does. A cancelled deletion leaves the
key Disabled; a key whose deletion date has passed is gone (the store purges it on next read).
"""

from __future__ import annotations

import time
from typing import Any

from core.kms.local.errors import KmsError, validation
from core.kms.local.keys import resolve
from core.kms.local.service import Service
from core.kms.local.states import DISABLED, ENABLED, PENDING_DELETION, require_not_pending
from core.kms.local.store import KeyRecord

DAY = 86400.0
DEFAULT_WINDOW = 30


def managed_key(
    service: Service,
    body: dict[str, Any],
    principal: str,
    action: str,
    conditions: dict[str, str] | None = None,
) -> KeyRecord:
    """The key `KeyId` names (key ID or ARN only), authorized for `action`."""
    record = resolve(service.store, service.region, body.get("KeyId"), aliases=False)
    service.authorize(record, action, principal, conditions=conditions)
    return record


def enable_key(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = managed_key(service, body, principal, "kms:EnableKey")
    require_not_pending(service.region, record)
    service.store.set_state(record.key_id, ENABLED)
    return {}


def disable_key(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = managed_key(service, body, principal, "kms:DisableKey")
    require_not_pending(service.region, record)
    service.store.set_state(record.key_id, DISABLED)
    return {}


def _window(body: dict[str, Any]) -> int:
    days = body.get("PendingWindowInDays", DEFAULT_WINDOW)
    if isinstance(days, bool) or not isinstance(days, int) or not 7 <= days <= 30:
        raise validation(
            f"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to "
            "satisfy constraint: Member must have value between 7 and 30"
        )
    return days


def schedule_key_deletion(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    days = _window(body)
    record = managed_key(service, body, principal, "kms:ScheduleKeyDeletion")
    require_not_pending(service.region, record)
    when = time.time() + days * DAY
    service.store.set_state(record.key_id, PENDING_DELETION, when)
    return {
        "KeyId": service.arn(record),
        "DeletionDate": when,
        "KeyState": PENDING_DELETION,
        "PendingWindowInDays": days,
    }


def cancel_key_deletion(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = managed_key(service, body, principal, "kms:CancelKeyDeletion")
    if record.state != PENDING_DELETION:
        raise KmsError(
            "KMSInvalidStateException", f"{service.arn(record)} is not pending deletion."
        )
    service.store.set_state(record.key_id, DISABLED)
    return {"KeyId": service.arn(record)}
