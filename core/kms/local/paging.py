"""Limit and Marker for the List operations, with each one's range and default as AWS has them.

The model allows `Limit` 1–1000 everywhere; the API reference narrows some (ListAliases,
ListGrants, ListRetirableGrants: 1–100, default 50; ListResourceTags: 1–50, default 50).
"""

from __future__ import annotations

from typing import Any

from core.kms.local.errors import validation
from core.kms.local.validation import failure, message

# operation: (largest Limit, default Limit)
LIMITS: dict[str, tuple[int, int]] = {
    "ListAliases": (100, 50),
    "ListGrants": (100, 50),
    "ListRetirableGrants": (100, 50),
    "ListResourceTags": (50, 50),
    "ListKeys": (1000, 100),
    "ListKeyPolicies": (1000, 100),
    "ListKeyRotations": (1000, 100),
}


def page(
    body: dict[str, Any], items: list[Any], operation: str
) -> tuple[list[Any], dict[str, Any]]:
    """One page of `items` and its `Truncated`/`NextMarker` (the model has checked the types)."""
    most, default = LIMITS[operation]
    limit = body.get("Limit", default)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= most:
        bound = "less" if isinstance(limit, int) and limit > most else "greater"
        edge = most if bound == "less" else 1
        constraint = f"Member must have value {bound} than or equal to {edge}"
        raise validation(message([failure(str(limit), "limit", constraint)]))
    marker = body.get("Marker") or "0"
    if not isinstance(marker, str) or not marker.isdigit():
        raise validation(f"Invalid marker {marker[:40]!r}: pass NextMarker from a previous page")
    start = int(marker)
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    extra: dict[str, Any] = {"Truncated": more}
    if more:
        extra["NextMarker"] = str(start + limit)
    return chunk, extra
