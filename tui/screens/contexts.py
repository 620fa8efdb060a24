"""`:ctx`: the saved contexts (k9s' context view), every started lab's home and the tour's;
Enter switches the whole app to one.

Switching closes the current platform and opens the chosen one on next use, in this process for
this machine and its homes (a `Home` handed down; nothing about the process changes); the header
then names the context. A saved context is also saved as the current one, as `nitrodeck ctx use`
does; a lab's or the tour's home is entered for this session only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from core.remote.target import Target
from tui.screens.list_screen import ListScreen
from tui.widgets.poller import Poller


class ContextsScreen(ListScreen):
    crumb = "ctx"
    ABOUT = "Targets: this machine, ssh:// hosts, simulator, lab and tour homes. Enter switches."
    COLUMNS = (("current", " "), ("name", "CONTEXT"), ("location", "WHERE"), ("remote", "REMOTE"))
    EMPTY = "only this machine: a adds a context (an ssh:// parent, or a simulator home)"
    REFRESH = 10.0
    BINDINGS = [
        Binding("u", "use", "Use", id="ctx.use"),
        Binding("a", "add", "Add", id="ctx.add"),
    ]

    def holds_nothing(self) -> bool:
        return len(self.table.all_rows) <= 1  # this machine is always there

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

    def _switch(self, name: str) -> None:
        from tui.contexts import use_context

        def switch() -> Target:
            # A lab's or the tour's home is entered for this session only; a saved context
            # also becomes the current one in the settings.
            target = self.homes[name] if name in self.homes else use_context(name)
            self.nd_app.platforms.switch(target)
            self.nd_app.platforms.get().host_info()  # open it now: a bad context is said here
            return target

        def switched(target: Target) -> None:
            self.notify(f"now using {name} ({target.location})", markup=False)
            self.query_one("#list-poller", Poller).poll_now()

        self.run_job(
            switch,
            switched,
            failed=lambda markup: self.notify(
                markup, title=f"context {name}", severity="error", timeout=15
            ),
            group="ctx-switch",
        )

    def action_add(self) -> None:
        """a: name a new context in a form (the one form behaviour), saved as `ctx add` does."""
        from tui.screens.fields_form import FieldsForm

        def answered(values: dict[str, str] | None) -> None:
            if values:
                self._add(values["name"], values["where"])

        form = FieldsForm(
            "Add a context",
            [
                ("name", "name", "e.g. prod-1", ""),
                ("where", "where", "ssh://[user@]host[:port], or a simulator home directory", ""),
            ],
            note="An ssh:// parent runs nitrodeck there; a directory is a simulator home here.",
            ok="Save",
            check=lambda values: new_target(values["name"], values["where"]),
        )
        self.app.push_screen(form, answered)

    def _add(self, name: str, where: str) -> None:
        from tui.contexts import save_context

        def save() -> Target:
            target = new_target(name, where)
            save_context(target)
            return target

        def saved(target: Target) -> None:
            self.notify(f"context {target.name} saved: {target.location}", markup=False)
            self.query_one("#list-poller", Poller).poll_now()

        self.run_job(save, saved, group="ctx-add")


def new_target(name: str, where: str) -> Target:
    """The context the add form describes, refused (naming its field) before anything is saved:
    a URL is a host (only ssh:// is accepted), anything else a simulator home."""
    from core.errors import UsageError
    from core.remote.ssh import parse_ssh_url
    from tui.contexts import LOCAL

    if not name or not where:
        raise UsageError("a context needs a name and where it is", where="name, where")
    if name == LOCAL:
        raise UsageError("`local` is built in and cannot be redefined", where="name")
    if "://" not in where:
        return Target(name=name, home=where)
    try:
        parse_ssh_url(where)
    except UsageError as error:
        raise UsageError(error.what, where="where", fix=error.fix) from None
    return Target(name=name, host=where)


def make_screen() -> ContextsScreen:
    return ContextsScreen()
