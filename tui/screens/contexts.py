"""`:ctx`: the saved contexts (k9s' context view), every started lab's home and the tour's;
Enter switches the whole app to one.

Switching closes the current platform and opens the chosen one on next use, in this process for
this machine and its homes (a `Home` handed down; nothing about the process changes); the header
then names the context. A saved context is also saved as the current one, as `nitrodeck ctx use`
does; a lab's or the tour's home is entered for this session only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from textual import on, work
from textual.binding import Binding
from textual.widgets import DataTable

from core.errors import NitrodeckError
from tui.screens.list_screen import ListScreen
from tui.widgets.poller import Poller

if TYPE_CHECKING:
    from core.remote.target import Target


class ContextsScreen(ListScreen):
    crumb = "ctx"
    ABOUT = "Targets: this machine, ssh:// hosts, simulator, lab and tour homes. Enter switches."
    COLUMNS = (("current", " "), ("name", "CONTEXT"), ("location", "WHERE"), ("remote", "REMOTE"))
    REFRESH = 10.0
    BINDINGS = [Binding("u", "use", "Use", id="ctx.use")]

    def __init__(self) -> None:
        super().__init__()
        self.homes: dict[str, Target] = {}
        """The lab and tour homes the last refresh found (switched into without saving)."""

    def fetch_rows(self) -> Mapping[str, Sequence[str]]:
        from tui.contexts import home_contexts, load_contexts

        platforms = self.nd_app.platforms
        current = platforms.context or "local"
        self.homes = home_contexts(platforms.own_home)
        return {
            name: ("*" if name == current else "", name, t.location, t.remote_command or "")
            for name, t in (load_contexts() | self.homes).items()
        }

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_use()

    def action_use(self) -> None:
        name = self.table.cursor_key
        if name is None:
            self.notify("No context selected.", severity="warning")
            return
        self._switch(name)

    @work(thread=True, exclusive=True, group="ctx-switch")
    def _switch(self, name: str) -> None:
        from tui.contexts import use_context

        try:
            # A lab's or the tour's home is entered for this session only; a saved context
            # also becomes the current one in the settings.
            target = self.homes[name] if name in self.homes else use_context(name)
            self.nd_app.platforms.switch(target)
            self.nd_app.platforms.get().host_info()  # open it now: a bad context is said here
        except NitrodeckError as error:
            self.app.call_from_thread(
                self.notify, str(error), title=f"context {name}", severity="error", markup=False
            )
            return
        self.app.call_from_thread(self.notify, f"now using {name} ({target.location})")
        self.app.call_from_thread(self.query_one("#list-poller", Poller).poll_now)


def make_screen() -> ContextsScreen:
    return ContextsScreen()
