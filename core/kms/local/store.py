"""Persistent state of the local KMS: keys, aliases, policies and key material, in SQLite.

WAL with `synchronous=FULL`: a write is on disk before the server answers, so nothing it has
acknowledged is lost if it is killed. Key material is stored AES-GCM-encrypted under a master
key kept in a separate 0600 file (`master.py`: written atomically, checked at start); the
database file is 0600 as well.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.home import create_private_file, ensure_private_dir
from core.kms.local.master import check_master_key, load_master_key

SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    description TEXT NOT NULL,
    policy TEXT NOT NULL,
    material BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (
    name TEXT PRIMARY KEY,
    key_id TEXT NOT NULL REFERENCES keys(key_id),
    created REAL NOT NULL,
    updated REAL NOT NULL
);
"""


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    created: float
    description: str
    policy: str


@dataclass(frozen=True)
class AliasRecord:
    name: str
    key_id: str
    created: float
    updated: float


class KmsStore:
    """One SQLite connection shared by the server's threads behind a lock (writes are tiny)."""

    def __init__(self, directory: Path) -> None:
        ensure_private_dir(directory)
        path = directory / "kms.sqlite3"
        create_private_file(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            has_keys = self._db.execute("SELECT 1 FROM keys LIMIT 1").fetchone() is not None
            self._master = AESGCM(load_master_key(directory, has_keys=has_keys))
            check_master_key(self._db, self._master, directory / "master.key")
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def create_key(self, key_id: str, description: str, policy: str, material: bytes) -> KeyRecord:
        nonce = os.urandom(12)
        sealed = nonce + self._master.encrypt(nonce, material, key_id.encode())
        created = time.time()
        with self._lock:
            self._db.execute(
                "INSERT INTO keys VALUES (?, ?, ?, ?, ?)",
                (key_id, created, description, policy, sealed),
            )
        return KeyRecord(key_id, created, description, policy)

    def key(self, key_id: str) -> KeyRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT key_id, created, description, policy FROM keys WHERE key_id = ?", (key_id,)
            ).fetchone()
        return KeyRecord(*row) if row else None

    def material(self, key_id: str) -> bytes:
        with self._lock:
            (sealed,) = self._db.execute(
                "SELECT material FROM keys WHERE key_id = ?", (key_id,)
            ).fetchone()
        return self._master.decrypt(sealed[:12], sealed[12:], key_id.encode())

    def keys(self) -> list[KeyRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key_id, created, description, policy FROM keys ORDER BY created, key_id"
            ).fetchall()
        return [KeyRecord(*row) for row in rows]

    def set_policy(self, key_id: str, policy: str) -> None:
        with self._lock:
            self._db.execute("UPDATE keys SET policy = ? WHERE key_id = ?", (policy, key_id))

    def add_alias(self, name: str, key_id: str) -> bool:
        """Create an alias; False if the name is taken."""
        now = time.time()
        with self._lock:
            try:
                self._db.execute(
                    "INSERT INTO aliases VALUES (?, ?, ?, ?)", (name, key_id, now, now)
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def alias(self, name: str) -> AliasRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM aliases WHERE name = ?", (name,)).fetchone()
        return AliasRecord(*row) if row else None

    def aliases(self) -> list[AliasRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM aliases ORDER BY name").fetchall()
        return [AliasRecord(*row) for row in rows]
