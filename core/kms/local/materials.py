"""Key material versions of symmetric keys: the original in `keys.material` (version 0), each
rotation's in `key_materials` (1, 2, …), all sealed under the master key.

New ciphertexts use the newest version; a ciphertext names its version in its header, so old
ones still decrypt. Automatic rotation happens when a key is next used after its date (one
compare-and-set on `next_rotation`, so two requests never rotate twice).
"""

from __future__ import annotations

import hashlib
import os
import time

from core.kms.local.store import KeyRecord, KmsStore

DAY = 86400.0
AUTOMATIC, ON_DEMAND = "AUTOMATIC", "ON_DEMAND"


def _label(key_id: str, version: int) -> bytes:
    return f"{key_id}/{version}".encode()


def _bytes(value: object) -> bytes:
    assert isinstance(value, bytes)
    return value


def material_id(key_id: str, version: int) -> str:
    """An opaque 64-hex-digit id for one material version (ListKeyRotations' KeyMaterialId)."""
    return hashlib.sha256(_label(key_id, version)).hexdigest()


def current(store: KmsStore, record: KeyRecord) -> tuple[int, bytes]:
    """The newest material version and its bytes (rotating first when a rotation is due)."""
    rotate_if_due(store, record)
    rows = store.query(
        "SELECT version, material FROM key_materials WHERE key_id = ? "
        "ORDER BY version DESC LIMIT 1",
        (record.key_id,),
    )
    if not rows:
        return 0, store.material(record.key_id)
    version = int(str(rows[0][0]))
    return version, store.unseal(_bytes(rows[0][1]), _label(record.key_id, version))


def at_version(store: KmsStore, key_id: str, version: int) -> bytes | None:
    if version == 0:
        return store.material(key_id)
    rows = store.query(
        "SELECT material FROM key_materials WHERE key_id = ? AND version = ?", (key_id, version)
    )
    return store.unseal(_bytes(rows[0][0]), _label(key_id, version)) if rows else None


def history(store: KmsStore, key_id: str) -> list[tuple[int, float, str]]:
    """(version, date, AUTOMATIC or ON_DEMAND) of each rotation, oldest first."""
    rows = store.query(
        "SELECT version, created, kind FROM key_materials WHERE key_id = ? ORDER BY version",
        (key_id,),
    )
    return [(int(str(v)), float(str(c)), str(k)) for v, c, k in rows]


def rotate(store: KmsStore, key_id: str, kind: str, when: float | None = None) -> int:
    """Add a new material version; the new version number."""
    latest = store.query("SELECT MAX(version) FROM key_materials WHERE key_id = ?", (key_id,))
    version = int(str(latest[0][0] or 0)) + 1
    sealed = store.seal(os.urandom(32), _label(key_id, version))
    store.execute(
        "INSERT INTO key_materials VALUES (?, ?, ?, ?, ?)",
        (key_id, version, sealed, time.time() if when is None else when, kind),
    )
    return version


def rotate_if_due(store: KmsStore, record: KeyRecord, now: float | None = None) -> None:
    if record.rotation_period is None or record.next_rotation is None:
        return
    now = time.time() if now is None else now
    if now < record.next_rotation:
        return
    period = record.rotation_period * DAY
    due = record.next_rotation
    following = due + period * (1 + int((now - due) // period))
    claimed = store.execute(
        "UPDATE keys SET next_rotation = ? WHERE key_id = ? AND next_rotation = ?",
        (following, record.key_id, due),
    )
    if claimed == 1:
        rotate(store, record.key_id, AUTOMATIC, when=due)


def set_schedule(store: KmsStore, key_id: str, period_days: int | None) -> float | None:
    """Turn automatic rotation on (every `period_days`, first one period from now) or off."""
    following = None if period_days is None else time.time() + period_days * DAY
    store.execute(
        "UPDATE keys SET rotation_period = ?, next_rotation = ? WHERE key_id = ?",
        (period_days, following, key_id),
    )
    return following
