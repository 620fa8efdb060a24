"""Saved consoles of debug enclaves (running or exited), newest first; enter reopens one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from textual import on
from textual.widgets import DataTable

from core.platform.base import ConsoleHistory
from tui.screens.list_screen import ListScreen


class ConsoleHistoryScreen(ListScreen):
    crumb = "consoles"
    ABOUT = "Consoles the platform kept; enter (or l) opens one from its first line."
    COLUMNS = (
        ("name", "NAME"),
        ("id", "ENCLAVE ID"),
        ("cid", "CID"),
        ("state", "STATE"),
        ("size", "SIZE"),
        ("when", "LAST WRITE"),
    )
    NARROW = ("name", "cid", "state", "size", "when")
    EMPTY = "no saved consoles: run a debug-mode enclave (r in :enclaves, debug on)"
    REFRESH = 5.0

    def on_mount(self) -> None:
        self.table.focus()

    def fetch_rows(self) -> Mapping[str, Sequence[str]]:
        platform = self.platforms.get()
        if not isinstance(platform, ConsoleHistory):
            return {}
        return {
            saved.enclave_id: (
                saved.name,
                saved.enclave_id,
                str(saved.cid),
                "exited" if saved.ended else "running",
                f"{saved.size:,} B",
                datetime.fromtimestamp(saved.mtime).strftime("%Y-%m-%d %H:%M:%S"),
            )
            for saved in platform.saved_consoles()
        }

    @on(DataTable.RowSelected)
    def _open(self) -> None:
        key = self.table.cursor_key
        if key is None:
            return
        from tui.engine.console_source import open_console

        name = self.table.all_rows[key][0]
        open_console(self, key, name, follow=False)
