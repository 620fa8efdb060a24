"""Grants in the local KMS's SQLite store: one JSON row per grant (ListGrants' shape + token)."""

from __future__ import annotations

import json
import time
from typing import Any

from core.kms.local.store import KmsStore


def add(store: KmsStore, grant_id: str, key_id: str, grant: dict[str, Any]) -> None:
    store.execute(
        "INSERT INTO grants VALUES (?, ?, ?, ?)",
        (grant_id, key_id, json.dumps(grant), time.time()),
    )


def for_key(store: KmsStore, key_id: str) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT body FROM grants WHERE key_id = ? ORDER BY created, grant_id", (key_id,)
    )
    return [json.loads(str(body)) for (body,) in rows]


def every(store: KmsStore) -> list[dict[str, Any]]:
    rows = store.query("SELECT body FROM grants ORDER BY created, grant_id")
    return [json.loads(str(body)) for (body,) in rows]


def remove(store: KmsStore, grant_id: str, key_id: str) -> bool:
    sql = "DELETE FROM grants WHERE grant_id = ? AND key_id = ?"
    return store.execute(sql, (grant_id, key_id)) == 1
