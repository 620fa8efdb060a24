"""GetKeyLastUsage's record: the last successful cryptographic operation on each key.

The dispatcher notes every successful tracked operation (both keys of a ReEncrypt). The newest
note is kept in memory and written to SQLite at most once a minute per key (and at close), so a
busy Decrypt path does not pay a synchronous write per request; a crash loses at most that minute,
as AWS itself reports usage with a delay.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from core.kms.local.store import KmsStore

TRACKED = {
    "Decrypt",
    "DeriveSharedSecret",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "ReEncrypt",
    "Sign",
    "Verify",
    "VerifyMac",
}
WRITE_EVERY = 60.0


@dataclass(frozen=True)
class Usage:
    operation: str
    at: float
    request_id: str


class LastUsage:
    def __init__(self, store: KmsStore) -> None:
        self.store = store
        store.execute("INSERT OR IGNORE INTO usage_tracking VALUES (1, ?)", (time.time(),))
        self.started = float(str(store.query("SELECT started FROM usage_tracking")[0][0]))
        self._lock = threading.Lock()
        self._latest: dict[str, Usage] = {}
        self._written: dict[str, float] = {}

    def note(self, key_id: str, operation: str, request_id: str) -> None:
        usage = Usage(operation, time.time(), request_id)
        with self._lock:
            self._latest[key_id] = usage
            due = usage.at - self._written.get(key_id, 0.0) >= WRITE_EVERY
            if due:
                self._written[key_id] = usage.at
        if due:
            self._write(key_id, usage)

    def _write(self, key_id: str, usage: Usage) -> None:
        self.store.execute(
            "INSERT OR REPLACE INTO key_last_usage SELECT ?, ?, ?, ? "
            "WHERE EXISTS (SELECT 1 FROM keys WHERE key_id = ?)",
            (key_id, usage.operation, usage.at, usage.request_id, key_id),
        )

    def get(self, key_id: str) -> Usage | None:
        with self._lock:
            known = self._latest.get(key_id)
        if known is not None:
            return known
        rows = self.store.query(
            "SELECT operation, at, request_id FROM key_last_usage WHERE key_id = ?", (key_id,)
        )
        return Usage(str(rows[0][0]), float(str(rows[0][1])), str(rows[0][2])) if rows else None

    def flush(self) -> None:
        """Write every note not yet on disk (at close)."""
        with self._lock:
            pending = [(k, u) for k, u in self._latest.items() if self._written.get(k) != u.at]
        for key_id, usage in pending:
            self._write(key_id, usage)
