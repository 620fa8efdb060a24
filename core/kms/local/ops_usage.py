"""GetKeyLastUsage: when a key last served a successful cryptographic operation, and which."""

from __future__ import annotations

from typing import Any

from core.kms.local.ops_states import managed_key
from core.kms.local.service import Service


def get_key_last_usage(service: Service, body: dict[str, Any], principal: str) -> dict[str, Any]:
    record = managed_key(service, body, principal, "kms:GetKeyLastUsage")
    tracker = service.last_usage
    usage = tracker.get(record.key_id) if tracker is not None else None
    last: dict[str, Any] = {}
    if usage is not None:
        last = {
            "Operation": usage.operation,
            "Timestamp": usage.at,
            "KmsRequestId": usage.request_id,
        }
    return {
        "KeyId": service.arn(record),
        "KeyLastUsage": last,
        "TrackingStartDate": tracker.started if tracker is not None else record.created,
        "KeyCreationDate": record.created,
    }
