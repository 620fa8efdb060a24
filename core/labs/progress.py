"""Progress per lab, in SQLite under the labs root: started, hints taken, checks, solved."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.home import ensure_private_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS progress (
    lab TEXT PRIMARY KEY,
    started REAL NOT NULL,
    hints INTEGER NOT NULL DEFAULT 0,
    checks INTEGER NOT NULL DEFAULT 0,
    solved REAL
);
CREATE TABLE IF NOT EXISTS current (only INTEGER PRIMARY KEY CHECK (only = 1), lab TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Progress:
    lab: str
    started: float | None = None
    hints: int = 0
    checks: int = 0
    solved: float | None = None

    @property
    def state(self) -> str:
        if self.solved is not None:
            return "solved"
        return "started" if self.started is not None else "not started"

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "started": self.started,
            "hints_taken": self.hints,
            "checks": self.checks,
            "solved": self.solved,
        }


class ProgressStore:
    """One small database; every call opens and commits its own connection (CLI-sized use)."""

    def __init__(self, root: Path) -> None:
        self.path = root / "progress.db"

    def _db(self) -> sqlite3.Connection:
        ensure_private_dir(self.path.parent)
        db = sqlite3.connect(self.path, timeout=10)
        db.executescript(SCHEMA)
        return db

    def get(self, lab: str) -> Progress:
        with closing(self._db()) as db:
            row = db.execute(
                "SELECT started, hints, checks, solved FROM progress WHERE lab = ?", (lab,)
            ).fetchone()
        return Progress(lab) if row is None else Progress(lab, *row)

    def started(self, lab: str) -> None:
        with closing(self._db()) as db, db:
            db.execute(
                "INSERT OR REPLACE INTO progress (lab, started) VALUES (?, ?)", (lab, time.time())
            )
            db.execute("INSERT OR REPLACE INTO current (only, lab) VALUES (1, ?)", (lab,))

    def hint_taken(self, lab: str, shown: int) -> None:
        with closing(self._db()) as db, db:
            db.execute("UPDATE progress SET hints = MAX(hints, ?) WHERE lab = ?", (shown, lab))

    def checked(self, lab: str, solved: bool) -> None:
        with closing(self._db()) as db, db:
            db.execute("UPDATE progress SET checks = checks + 1 WHERE lab = ?", (lab,))
            if solved:
                db.execute(
                    "UPDATE progress SET solved = COALESCE(solved, ?) WHERE lab = ?",
                    (time.time(), lab),
                )

    def forget(self, lab: str) -> None:
        with closing(self._db()) as db, db:
            db.execute("DELETE FROM progress WHERE lab = ?", (lab,))
            db.execute("DELETE FROM current WHERE lab = ?", (lab,))

    def current(self) -> str | None:
        with closing(self._db()) as db:
            row = db.execute("SELECT lab FROM current").fetchone()
        return None if row is None else str(row[0])
