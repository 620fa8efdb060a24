"""`:fleet`: every saved context at a glance, refreshed concurrently (core.fleet.status).

Members that cannot be reached stay in the table, marked UNREACHABLE with the reason; the
others keep their connections open between refreshes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.fleet.status import FleetMonitor
from core.remote.target import Target
from tui.screens.list_screen import ListScreen

TIMEOUT = 5.0


class FleetScreen(ListScreen):
    crumb = "fleet"
    ABOUT = "Every context's enclaves, pool, PCR0s and health; unreachable members say why."
    COLUMNS = (
        ("member", "MEMBER"),
        ("state", "STATE"),
        ("enclaves", "ENCLAVES"),
        ("pool", "POOL CPUS"),
        ("memory", "POOL MIB"),
        ("doctor", "DOCTOR"),
        ("pcr0", "PCR0s / REASON"),
    )
    NARROW = ("member", "state", "enclaves", "pcr0")
    EMPTY = (
        "no members: add contexts (`nitrodeck ctx add NAME --host ssh://HOST`, or "
        "`nitrodeck fleet demo` for a local fleet); :ctx lists them"
    )
    REFRESH = 5.0

    def __init__(self, targets: Sequence[Target] | None = None) -> None:
        super().__init__()
        self._targets = targets
        self._monitor: FleetMonitor | None = None

    def cell_style(self, column: str, text: str) -> str | None:
        if column == "state":
            return "bold green" if text == "ok" else "bold red"
        if column == "doctor" and text == "FAIL":
            return "bold red"
        return None

    def _members(self) -> Sequence[Target]:
        if self._targets is not None:
            return self._targets
        from tui.contexts import LOCAL, load_contexts

        return [t for name, t in load_contexts().items() if name != LOCAL]

    def fetch_rows(self) -> Mapping[str, Sequence[str]]:
        if self._monitor is None:
            self._monitor = FleetMonitor(self._members(), self.platforms.own_home, timeout=TIMEOUT)
        return {s.name: (s.name, *s.cells()) for s in self._monitor.refresh()}

    def show_rows(self, rows: Mapping[str, Sequence[str]]) -> None:
        super().show_rows(rows)
        if not rows:
            self.sub_title = "no members"
            return
        down = sum(cells[1] != "ok" for cells in rows.values())
        self.sub_title = f"{down} unreachable" if down else f"all {len(rows)} reachable"

    def on_unmount(self) -> None:
        if self._monitor is not None:
            self._monitor.close()


def make_screen() -> FleetScreen:
    return FleetScreen()
