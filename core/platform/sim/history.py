"""The enclaves this simulator has run whose console was kept (debug mode), newest first.

Each enclave directory keeps `enclave.json` and `console.log` after the enclave ends (until
pruned), so an operator can reopen the console of an enclave that has exited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from core.platform.sim.console import ENDED
from core.platform.sim.layout import Layout


@dataclass(frozen=True)
class SavedConsole:
    enclave_id: str
    name: str
    cid: int
    eif_path: str
    ended: bool
    size: int
    mtime: float


def saved_consoles(layout: Layout) -> list[SavedConsole]:
    """Debug enclaves with a console file, newest first; unreadable records are skipped."""
    base = layout.root / "enclaves"
    found: list[SavedConsole] = []
    for record in base.glob("*/enclave.json") if base.exists() else []:
        directory = record.parent
        console = directory / "console.log"
        try:
            data = json.loads(record.read_text())
            stat = console.stat()
        except (OSError, ValueError):
            continue
        if not data.get("debug"):
            continue
        found.append(
            SavedConsole(
                enclave_id=str(data.get("enclave_id", "")),
                name=str(data.get("name", "")),
                cid=int(data.get("cid", 0)),
                eif_path=str(data.get("eif_path", "")),
                ended=(directory / ENDED).exists(),
                size=stat.st_size,
                mtime=stat.st_mtime,
            )
        )
    return sorted(found, key=lambda saved: saved.mtime, reverse=True)


def layout_of(platform: object) -> Layout | None:
    """The simulator's layout, or None on a platform that keeps no console history."""
    layout = getattr(platform, "layout", None)
    return layout if isinstance(layout, Layout) else None
