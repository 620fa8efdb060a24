"""Follow an enclave's console: live, pausable, searchable, savable (k9s' log view).

The screen takes a stream factory (anything returning an iterable of byte chunks, e.g.
`Platform.console(enclave_id)`) and a title; `ConsoleLog` does the batching and bounding.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from tui.screens.base import NitrodeckScreen
from tui.widgets.console_log import Closable, ConsoleLog, StreamFactory
from tui.widgets.prompt_bar import PromptBar


class SearchBar(PromptBar):
    BINDINGS = [Binding("escape", "close", "Close search", id="search.close")]

    def action_close(self) -> None:
        self.close()


class ConsoleScreen(NitrodeckScreen):
    ABOUT = (
        "Follows the console live. Searching, pausing or jumping up (g) stops following; G "
        "follows again (and resumes). Lines dropped while paused are counted in the status "
        "line and marked where they are missing, on screen and in a saved console."
    )
    BINDINGS = [
        Binding("space,p", "toggle_pause", "Pause", key_display="p", id="console.pause"),
        Binding("slash", "search", "Search", key_display="/", priority=True, id="console.search"),
        Binding("n", "next_match", "Next match", show=False, id="console.next"),
        Binding("N", "previous_match", "Previous match", show=False, id="console.prev"),
        Binding("g,home", "top", "Top", show=False, id="console.top"),
        Binding("G,end", "bottom", "Follow", id="console.bottom"),
        Binding("s", "save", "Save", id="console.save"),
    ]
    DEFAULT_CSS = "ConsoleScreen #console-status { height: 1; padding: 0 1; background: $panel; }"

    def __init__(
        self,
        factory: StreamFactory,
        title: str,
        *,
        max_lines: int = 10_000,
        save_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.factory = factory
        self.crumb = f"console {title}"
        self.console_title = title
        self.max_lines = max_lines
        self.save_dir = save_dir
        self.state = "following"

    def compose_body(self) -> ComposeResult:
        yield ConsoleLog(max_lines=self.max_lines, id="console-log")
        yield Static("", id="console-status")
        yield SearchBar(placeholder="search…", id="console-search")

    @property
    def log_view(self) -> ConsoleLog:
        return self.query_one(ConsoleLog)

    def on_mount(self) -> None:
        self.log_view.follow(self.factory)
        self.log_view.focus()
        self.set_interval(0.25, self._show_status, name="console-status")
        self._show_status()

    def on_unmount(self) -> None:
        """Close the stream so the reader thread does not wait on a silent enclave."""
        if isinstance(self.factory, Closable):
            self.factory.close()

    def _show_status(self) -> None:
        log = self.log_view
        paused = "PAUSED" if log.paused else self.state
        parts = [paused, f"{log.line_count} lines shown", f"{log.received} received"]
        if log.paused and log.pending:
            parts.append(f"{log.pending} waiting")
        if log.dropped:
            parts.append(f"{log.dropped} DROPPED (buffer full)")
        if log.search_term:
            where = "no match" if log.match_line is None else f"line {log.match_line + 1}"
            parts.append(f"/{log.search_term}: {where}")
        # A fixed one-line bar: skip the layout pass (it would repaint the whole screen).
        self.query_one("#console-status", Static).update(" · ".join(parts), layout=False)

    @on(ConsoleLog.StreamEnded)
    def _ended(self) -> None:
        self.state = "stream ended"
        self._show_status()

    @on(ConsoleLog.StreamFailed)
    def _failed(self, event: ConsoleLog.StreamFailed) -> None:
        self.state = f"stream failed: {event.error}"
        self.notify(self.state, severity="error")
        self._show_status()

    def action_toggle_pause(self) -> None:
        self.log_view.toggle_pause()
        self._show_status()

    def action_search(self) -> None:
        self.query_one(SearchBar).open()

    @on(Input.Submitted, "#console-search")
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        found = self.log_view.search(event.value)
        self.query_one(SearchBar).action_close()
        if event.value and found is None:
            self.notify(f"{event.value!r} not found", severity="warning")
        self._show_status()

    def _step(self, forward: bool) -> None:
        log = self.log_view
        if log.search_term:
            log.search(log.search_term, forward=forward)
            self._show_status()

    def action_next_match(self) -> None:
        self._step(True)

    def action_previous_match(self) -> None:
        self._step(False)

    def action_top(self) -> None:
        self.log_view.jump_top()

    def action_bottom(self) -> None:
        """G: back to the newest line and following, un-pausing if paused."""
        if self.log_view.paused:
            self.log_view.resume()
        self.log_view.jump_bottom()
        self._show_status()

    def save_path(self) -> Path:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", self.console_title).strip("_") or "console"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return (self.save_dir or self.platforms.home.consoles_dir) / f"{safe}-{stamp}.log"

    def action_save(self) -> None:
        path = self.save_path()
        try:
            count = self.log_view.save(path)
        except OSError as error:
            self.notify(f"cannot save to {path}: {error.strerror}", severity="error")
            return
        self.notify(f"saved {count} lines to {path}")
