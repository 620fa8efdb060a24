"""The simulated instance's state in SQLite (WAL): identity, pool, hugepages, enclaves.

Several commands, the app and every enclave supervisor open it at once; `transaction()` takes
the write lock up front (`BEGIN IMMEDIATE`) so two launches can never both see a CPU as free.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.home import create_private_file, ensure_private_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hugepages (
    node INTEGER NOT NULL, size_kib INTEGER NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (node, size_kib));
CREATE TABLE IF NOT EXISTS enclaves (
    slot_uid INTEGER PRIMARY KEY,
    enclave_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    cid INTEGER NOT NULL UNIQUE,
    cpus TEXT NOT NULL,
    memory_mib INTEGER NOT NULL,
    regions TEXT NOT NULL,
    debug INTEGER NOT NULL,
    eif_path TEXT NOT NULL,
    state TEXT NOT NULL,
    pid INTEGER NOT NULL,
    pid_ctime REAL NOT NULL,
    payload_pid INTEGER,
    image TEXT NOT NULL);
"""


@dataclass(frozen=True)
class EnclaveRow:
    """One enclave's row: its resources, its supervisor (pid + create time) and its image."""

    slot_uid: int
    enclave_id: str
    name: str
    cid: int
    cpus: tuple[int, ...]
    memory_mib: int
    regions: tuple[int, ...]
    debug: bool
    eif_path: str
    state: str
    pid: int
    pid_ctime: float
    payload_pid: int | None
    image: dict[str, Any]

    @property
    def slot_hex(self) -> str:
        return f"{self.slot_uid:x}"


class SimState:
    """Open (and create) one simulated instance's database."""

    def __init__(self, db_path: Path) -> None:
        ensure_private_dir(db_path.parent)
        create_private_file(db_path)  # 0600 before SQLite creates it with the umask's mode
        self.path = db_path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.conn.executescript(SCHEMA)

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections must stay in their thread)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=60000")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with contextlib.suppress(sqlite3.ProgrammingError):
                    conn.close()
            self._all.clear()
        self._local = threading.local()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The write lock for a read-check-write sequence (allocation, reaping, pool changes)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # meta -----------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # hugepages ------------------------------------------------------------
    def hugepages(self) -> dict[tuple[int, int], int]:
        rows = self.conn.execute("SELECT node, size_kib, count FROM hugepages").fetchall()
        return {(int(n), int(s)): int(c) for n, s, c in rows}

    def set_hugepages(self, pages: dict[tuple[int, int], int]) -> None:
        self.conn.execute("DELETE FROM hugepages")
        self.conn.executemany(
            "INSERT INTO hugepages (node, size_kib, count) VALUES (?, ?, ?)",
            [(n, s, c) for (n, s), c in sorted(pages.items())],
        )

    # enclaves -------------------------------------------------------------
    def enclaves(self) -> list[EnclaveRow]:
        rows = self.conn.execute("SELECT * FROM enclaves ORDER BY cid").fetchall()
        return [_row(r) for r in rows]

    def enclave(self, slot_uid: int) -> EnclaveRow | None:
        r = self.conn.execute("SELECT * FROM enclaves WHERE slot_uid = ?", (slot_uid,)).fetchone()
        return None if r is None else _row(r)

    def insert_enclave(self, row: EnclaveRow) -> None:
        self.conn.execute(
            "INSERT INTO enclaves VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.slot_uid,
                row.enclave_id,
                row.name,
                row.cid,
                json.dumps(list(row.cpus)),
                row.memory_mib,
                json.dumps(list(row.regions)),
                int(row.debug),
                row.eif_path,
                row.state,
                row.pid,
                row.pid_ctime,
                row.payload_pid,
                json.dumps(row.image),
            ),
        )

    def update_enclave(self, slot_uid: int, **fields: Any) -> None:
        names = ", ".join(f"{k} = ?" for k in fields)
        self.conn.execute(
            f"UPDATE enclaves SET {names} WHERE slot_uid = ?", (*fields.values(), slot_uid)
        )

    def delete_enclave(self, slot_uid: int) -> None:
        self.conn.execute("DELETE FROM enclaves WHERE slot_uid = ?", (slot_uid,))


def _row(r: tuple[Any, ...]) -> EnclaveRow:
    return EnclaveRow(
        slot_uid=int(r[0]),
        enclave_id=str(r[1]),
        name=str(r[2]),
        cid=int(r[3]),
        cpus=tuple(json.loads(r[4])),
        memory_mib=int(r[5]),
        regions=tuple(json.loads(r[6])),
        debug=bool(r[7]),
        eif_path=str(r[8]),
        state=str(r[9]),
        pid=int(r[10]),
        pid_ctime=float(r[11]),
        payload_pid=None if r[12] is None else int(r[12]),
        image=json.loads(r[13]),
    )
