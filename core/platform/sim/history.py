"""The enclaves this simulator has run and the consoles they kept (the `ConsoleHistory` ability).

Each enclave directory keeps `enclave.json` and, in debug mode, `console.log` after the enclave
ends (until pruned), so an operator can reopen the console of an enclave that has exited.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from core.nitro_errors import NitroCliCode, NitroCliError
from core.platform.base import SavedConsole
from core.platform.sim.console import ENDED
from core.platform.sim.layout import Layout


def _records(layout: Layout) -> Iterator[SavedConsole]:
    """Every readable enclave record with its console's size and time (0 when it kept none)."""
    base = layout.root / "enclaves"
    for record in base.glob("*/enclave.json") if base.exists() else []:
        directory = record.parent
        try:
            data = json.loads(record.read_text())
            console = directory / "console.log"
            kept = bool(data.get("debug")) and console.exists()
            stat = console.stat() if kept else record.stat()
        except (OSError, ValueError, AttributeError):
            continue
        yield SavedConsole(
            enclave_id=str(data.get("enclave_id", "")),
            name=str(data.get("name", "")),
            cid=int(data.get("cid", 0)),
            eif_path=str(data.get("eif_path", "")),
            debug=kept,
            ended=(directory / ENDED).exists(),
            size=stat.st_size if kept else 0,
            mtime=stat.st_mtime,
        )


def saved_consoles(layout: Layout) -> list[SavedConsole]:
    """Debug enclaves with a console file, newest first; unreadable records are skipped."""
    found = [saved for saved in _records(layout) if saved.debug]
    return sorted(found, key=lambda saved: saved.mtime, reverse=True)


def saved_console(
    layout: Layout, *, enclave_id: str | None = None, enclave_name: str | None = None
) -> SavedConsole:
    """The record an enclave left (running or not, debug or not): by id, else newest by name."""
    by_name = []
    for saved in _records(layout):
        if enclave_id is not None and saved.enclave_id == enclave_id:
            return saved
        if enclave_name is not None and saved.name == enclave_name:
            by_name.append(saved)
    if by_name:
        return max(by_name, key=lambda saved: saved.mtime)
    raise NitroCliError(
        NitroCliCode.SocketPathNotFound,
        detail=f"no enclave {enclave_id or enclave_name!r} ever ran on this simulator",
        fix="list the running enclaves with describe-enclaves",
    )
