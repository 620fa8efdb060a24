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

ALIASES = """
CREATE TABLE IF NOT EXISTS aliases (
    name TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    region TEXT NOT NULL DEFAULT 'us-east-1',
    PRIMARY KEY (region, name)
);
"""
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
CREATE TABLE IF NOT EXISTS key_materials (
    key_id TEXT NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    material BLOB NOT NULL,
    created REAL NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (key_id, version)
);
CREATE TABLE IF NOT EXISTS key_last_usage (
    key_id TEXT PRIMARY KEY REFERENCES keys(key_id) ON DELETE CASCADE,
    operation TEXT NOT NULL,
    at REAL NOT NULL,
    request_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS usage_tracking (id INTEGER PRIMARY KEY CHECK (id = 1), started REAL);
CREATE TABLE IF NOT EXISTS grants (
    grant_id TEXT PRIMARY KEY,
    key_id TEXT NOT NULL REFERENCES keys(key_id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created REAL NOT NULL
);
"""
# Aliases were unique by name alone before keys had a region: copied into ALIASES (us-east-1).
ALIASES_V1 = f"""
ALTER TABLE aliases RENAME TO aliases_v1;
{ALIASES}
INSERT INTO aliases (name, key_id, created, updated) SELECT * FROM aliases_v1;
DROP TABLE aliases_v1;
"""
ALIAS_FIELDS = "name, key_id, created, updated"
# Columns added after the first release: (name, SQL definition); added on open when missing.
KEY_COLUMNS = (
    ("state", "TEXT NOT NULL DEFAULT 'Enabled'"),
    ("deletion_date", "REAL"),
    ("key_spec", "TEXT NOT NULL DEFAULT 'SYMMETRIC_DEFAULT'"),
    ("key_usage", "TEXT NOT NULL DEFAULT 'ENCRYPT_DECRYPT'"),
    ("region", "TEXT NOT NULL DEFAULT 'us-east-1'"),
    ("rotation_period", "INTEGER"),
    ("next_rotation", "REAL"),
)
KEY_FIELDS = (
    "key_id, created, description, policy, state, deletion_date, key_spec, key_usage, region, "
    "rotation_period, next_rotation"
)
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
    region: str = "us-east-1"
    rotation_period: int | None = None  # days; None: automatic rotation is off
    next_rotation: float | None = None


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
                self._db.executescript(SCHEMA + ALIASES)
                have = {row[1] for row in self._db.execute("PRAGMA table_info(keys)")}
                for name, definition in KEY_COLUMNS:
                    if name not in have:
                        self._db.execute(f"ALTER TABLE keys ADD COLUMN {name} {definition}")
                aliases = {row[1] for row in self._db.execute("PRAGMA table_info(aliases)")}
                if "region" not in aliases:
                    self._db.executescript(f"BEGIN IMMEDIATE;{ALIASES_V1}COMMIT;")
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
        region: str = "us-east-1",
        tags: list[tuple[str, str]] | None = None,
    ) -> KeyRecord:
        """Store a new Enabled key with its tags, in one transaction; `material` (AES key,
        HMAC key or PKCS#8 DER) is sealed first."""
        sealed = self.seal(material, key_id.encode())
        created = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(
                    "INSERT INTO keys (key_id, created, description, policy, material, key_spec, "
                    "key_usage, region) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (key_id, created, description, policy, sealed, key_spec, key_usage, region),
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO tags VALUES (?, ?, ?)",
                    [(key_id, k, v) for k, v in tags or ()],
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return KeyRecord(
            key_id,
            created,
            description,
            policy,
            key_spec=key_spec,
            key_usage=key_usage,
            region=region,
        )

    def seal(self, material: bytes, label: bytes) -> bytes:
        """`material` sealed under the master key, bound to `label` (the key id)."""
        nonce = os.urandom(12)
        return nonce + self._master.encrypt(nonce, material, label)

    def unseal(self, sealed: bytes, label: bytes) -> bytes:
        return self._master.decrypt(sealed[:12], sealed[12:], label)

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
            for table in ("aliases", "tags", "grants", "key_materials", "key_last_usage"):
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
        return self.unseal(sealed, key_id.encode())

    def keys(self, region: str) -> list[KeyRecord]:
        self.purge_expired()
        with self._lock:
            rows = self._db.execute(
                f"SELECT {KEY_FIELDS} FROM keys WHERE region = ? ORDER BY created, key_id",
                (region,),
            ).fetchall()
        return [KeyRecord(*row) for row in rows]

    def set_policy(self, key_id: str, policy: str) -> None:
        with self._lock:
            self._db.execute("UPDATE keys SET policy = ? WHERE key_id = ?", (policy, key_id))

    def add_alias(self, region: str, name: str, key_id: str) -> bool:
        """Create an alias in `region`; False if the name is taken there."""
        now = time.time()
        with self._lock:
            try:
                self._db.execute(
                    f"INSERT INTO aliases ({ALIAS_FIELDS}, region) VALUES (?, ?, ?, ?, ?)",
                    (name, key_id, now, now, region),
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def retarget_alias(self, region: str, name: str, key_id: str) -> bool:
        return (
            self.execute(
                "UPDATE aliases SET key_id = ?, updated = ? WHERE region = ? AND name = ?",
                (key_id, time.time(), region, name),
            )
            == 1
        )

    def delete_alias(self, region: str, name: str) -> bool:
        sql = "DELETE FROM aliases WHERE region = ? AND name = ?"
        return self.execute(sql, (region, name)) == 1

    def alias(self, region: str, name: str) -> AliasRecord | None:
        self.purge_expired()
        with self._lock:
            row = self._db.execute(
                f"SELECT {ALIAS_FIELDS} FROM aliases WHERE region = ? AND name = ?",
                (region, name),
            ).fetchone()
        return AliasRecord(*row) if row else None

    def aliases(self, region: str) -> list[AliasRecord]:
        self.purge_expired()
        with self._lock:
            rows = self._db.execute(
                f"SELECT {ALIAS_FIELDS} FROM aliases WHERE region = ? ORDER BY name", (region,)
            ).fetchall()
        return [AliasRecord(*row) for row in rows]
