"""Persistent state of the local KMS: keys (with state), aliases, policies, material, in SQLite.

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

from core.home import create_private_file, ensure_private_dir, file_lock, lock_path
from core.kms.local.master import check_master_key, load_master_key

SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    key_id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    description TEXT NOT NULL,
    policy TEXT NOT NULL,
    material BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS tags (
    key_id TEXT NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (key_id, tag_key)
);
CREATE TABLE IF NOT EXISTS grants (
    grant_id TEXT PRIMARY KEY,
    key_id TEXT NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (
    name TEXT PRIMARY KEY,
    key_id TEXT NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
"""
# Columns added after the first release: (name, SQL definition); added on open when missing.
KEY_COLUMNS = (
    ("state", "TEXT NOT NULL DEFAULT 'Enabled'"),
    ("deletion_date", "REAL"),
    ("key_spec", "TEXT NOT NULL DEFAULT 'SYMMETRIC_DEFAULT'"),
    ("key_usage", "TEXT NOT NULL DEFAULT 'ENCRYPT_DECRYPT'"),
)
KEY_FIELDS = "key_id, created, description, policy, state, deletion_date, key_spec, key_usage"
ENABLED, DISABLED, PENDING_DELETION = "Enabled", "Disabled", "PendingDeletion"


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    created: float
    description: str
    policy: str
    state: str = ENABLED
    deletion_date: float | None = None
    key_spec: str = "SYMMETRIC_DEFAULT"
    key_usage: str = "ENCRYPT_DECRYPT"


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
            # Racing first starts: one switch to WAL (it needs the database to itself, and SQLite
            # refuses it at once rather than wait), one schema, one master key.
            with file_lock(lock_path(path)):
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                self._db.execute("PRAGMA foreign_keys=ON")
                self._db.executescript(SCHEMA)
                have = {row[1] for row in self._db.execute("PRAGMA table_info(keys)")}
                for name, definition in KEY_COLUMNS:
                    if name not in have:
                        self._db.execute(f"ALTER TABLE keys ADD COLUMN {name} {definition}")
                has_keys = self._db.execute("SELECT 1 FROM keys LIMIT 1").fetchone() is not None
                self._master = AESGCM(load_master_key(directory, has_keys=has_keys))
                check_master_key(self._db, self._master, directory / "master.key")
            self._next_deletion = self._earliest_deletion()
        except BaseException:
            self._db.close()
            raise

    def execute(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """Run one write under the lock; the number of rows it changed."""
        with self._lock:
            return self._db.execute(sql, params).rowcount

    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self._lock:
            return list(self._db.execute(sql, params).fetchall())

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def create_key(
        self,
        key_id: str,
        description: str,
        policy: str,
        material: bytes,
        *,
        key_spec: str = "SYMMETRIC_DEFAULT",
        key_usage: str = "ENCRYPT_DECRYPT",
    ) -> KeyRecord:
        """Store a new Enabled key; `material` (AES key or PKCS#8 DER) is sealed first."""
        nonce = os.urandom(12)
        sealed = nonce + self._master.encrypt(nonce, material, key_id.encode())
        created = time.time()
        with self._lock:
            self._db.execute(
                "INSERT INTO keys (key_id, created, description, policy, material, key_spec, "
                "key_usage) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (key_id, created, description, policy, sealed, key_spec, key_usage),
            )
        return KeyRecord(
            key_id, created, description, policy, key_spec=key_spec, key_usage=key_usage
        )

    def _earliest_deletion(self) -> float | None:
        (earliest,) = self._db.execute(
            "SELECT MIN(deletion_date) FROM keys WHERE state = ?", (PENDING_DELETION,)
        ).fetchone()
        return None if earliest is None else float(earliest)

    def purge_expired(self, now: float | None = None) -> int:
        """Delete keys whose deletion date has passed, with their aliases, tags and grants.

        Called before every read; it costs one comparison until a deletion date is reached.
        """
        now = time.time() if now is None else now
        if self._next_deletion is None or now < self._next_deletion:
            return 0
        gone = f"SELECT key_id FROM keys WHERE state = '{PENDING_DELETION}' AND deletion_date <= ?"
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            for table in ("aliases", "tags", "grants"):
                self._db.execute(f"DELETE FROM {table} WHERE key_id IN ({gone})", (now,))
            count = self._db.execute(
                "DELETE FROM keys WHERE state = ? AND deletion_date <= ?", (PENDING_DELETION, now)
            ).rowcount
            self._db.execute("COMMIT")
            self._next_deletion = self._earliest_deletion()
        return int(count)

    def key(self, key_id: str) -> KeyRecord | None:
        self.purge_expired()
        with self._lock:
            row = self._db.execute(
                f"SELECT {KEY_FIELDS} FROM keys WHERE key_id = ?", (key_id,)
            ).fetchone()
        return KeyRecord(*row) if row else None

    def set_state(self, key_id: str, state: str, deletion_date: float | None = None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE keys SET state = ?, deletion_date = ? WHERE key_id = ?",
                (state, deletion_date, key_id),
            )
            self._next_deletion = self._earliest_deletion()

    def set_description(self, key_id: str, description: str) -> None:
        self.execute("UPDATE keys SET description = ? WHERE key_id = ?", (description, key_id))

    def material(self, key_id: str) -> bytes:
        with self._lock:
            (sealed,) = self._db.execute(
                "SELECT material FROM keys WHERE key_id = ?", (key_id,)
            ).fetchone()
        return self._master.decrypt(sealed[:12], sealed[12:], key_id.encode())

    def keys(self) -> list[KeyRecord]:
        self.purge_expired()
        with self._lock:
            rows = self._db.execute(
                f"SELECT {KEY_FIELDS} FROM keys ORDER BY created, key_id"
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

    def retarget_alias(self, name: str, key_id: str) -> bool:
        return (
            self.execute(
                "UPDATE aliases SET key_id = ?, updated = ? WHERE name = ?",
                (key_id, time.time(), name),
            )
            == 1
        )

    def delete_alias(self, name: str) -> bool:
        return self.execute("DELETE FROM aliases WHERE name = ?", (name,)) == 1

    def alias(self, name: str) -> AliasRecord | None:
        self.purge_expired()
        with self._lock:
            row = self._db.execute("SELECT * FROM aliases WHERE name = ?", (name,)).fetchone()
        return AliasRecord(*row) if row else None

    def aliases(self) -> list[AliasRecord]:
        self.purge_expired()
        with self._lock:
            rows = self._db.execute("SELECT * FROM aliases ORDER BY name").fetchall()
        return [AliasRecord(*row) for row in rows]
