"""The local KMS's master key: created exactly once (racing first starts agree on one), atomically;
checked against the database at start.

Key material in SQLite is sealed under `master.key` (AES-256-GCM). A missing, empty, short or
foreign master key must stop the server at start with the file named, never let it start and
then answer every Decrypt with KMSInternalException. The check is a canary sealed under the key
in the database's `master_check` table (added on first start), and, for a database made before
the canary existed, the first key's material.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.errors import NitrodeckError
from core.home import create_file_once

KEY_BYTES = 32
CANARY = b"nitrodeck local KMS master key check"
_TABLE = (
    "CREATE TABLE IF NOT EXISTS master_check (id INTEGER PRIMARY KEY CHECK (id = 1), sealed BLOB)"
)


def _fail(path: Path, what: str, fix: str) -> NitrodeckError:
    return NitrodeckError(f"the local KMS master key {what}", where=str(path), fix=fix)


RESTORE = (
    "restore master.key from your backup; without it the keys in kms.sqlite3 cannot be "
    "decrypted (to start over, move the whole kms directory aside)"
)


def load_master_key(directory: Path, *, has_keys: bool) -> bytes:
    """The master key bytes, creating the file only for a store that holds no keys yet."""
    path = directory / "master.key"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if has_keys:
            raise _fail(
                path, "is missing but kms.sqlite3 holds keys sealed under it", RESTORE
            ) from None
        data = create_file_once(path, lambda: AESGCM.generate_key(bit_length=KEY_BYTES * 8))
    except OSError as error:
        raise _fail(
            path, f"cannot be read: {error.strerror}", "check the file's owner and mode"
        ) from None
    if not data:
        raise _fail(path, "is empty (a write was interrupted, or the file was truncated)", RESTORE)
    if len(data) != KEY_BYTES:
        raise _fail(path, f"is {len(data)} bytes; it must be exactly {KEY_BYTES}", RESTORE)
    return data


def _seal(master: AESGCM, nonce: bytes) -> bytes:
    return nonce + master.encrypt(nonce, CANARY, b"master_check")


def check_master_key(db: sqlite3.Connection, master: AESGCM, path: Path) -> None:
    """Raise naming `path` when `master` is not the key this database was sealed under."""
    db.execute(_TABLE)
    row = db.execute("SELECT sealed FROM master_check WHERE id = 1").fetchone()
    wrong = _fail(path, "does not match kms.sqlite3 (it was replaced or corrupted)", RESTORE)
    if row is not None:
        sealed = bytes(row[0])
        try:
            master.decrypt(sealed[:12], sealed[12:], b"master_check")
        except (InvalidTag, ValueError):
            raise wrong from None
        return
    first = db.execute("SELECT key_id, material FROM keys ORDER BY created LIMIT 1").fetchone()
    if first is not None:
        key_id, sealed = first[0], bytes(first[1])
        try:
            master.decrypt(sealed[:12], sealed[12:], str(key_id).encode())
        except (InvalidTag, ValueError):
            raise wrong from None
    # OR IGNORE: a racing first start inserted its canary under the same key (create_file_once)
    db.execute("INSERT OR IGNORE INTO master_check VALUES (1, ?)", (_seal(master, os.urandom(12)),))
