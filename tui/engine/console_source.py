"""An enclave's console as the console screen's stream factory: `Platform.console(...)`,
opened in the reader thread and closed when the screen goes away (so no reader is left
blocked on an enclave that prints nothing)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from core.platform.base import ConsoleStream, Platform
from tui.engine.access import PlatformHolder

if TYPE_CHECKING:
    from textual.screen import Screen


class PlatformConsole:
    """Callable stream factory; `close()` (any thread) ends the stream it opened."""

    def __init__(self, holder: PlatformHolder, enclave_id: str, *, follow: bool) -> None:
        self.holder = holder
        self.enclave_id = enclave_id
        self.follow = follow
        self._stream: ConsoleStream | None = None
        self._closed = False
        self._lock = threading.Lock()

    def __call__(self) -> Iterable[bytes]:
        platform: Platform = self.holder.get()
        stream = platform.console(self.enclave_id, follow=self.follow, history=not self.follow)
        with self._lock:
            self._stream = stream
            if self._closed:
                stream.close()
        return stream

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._stream is not None:
                self._stream.close()


def open_console(screen: Screen[None], enclave_id: str, title: str, *, follow: bool) -> None:
    """Push the console screen for `enclave_id` (live when `follow`, else its saved history)."""
    from tui.app import NitrodeckApp
    from tui.screens.console import ConsoleScreen

    app = screen.app
    assert isinstance(app, NitrodeckApp)
    source = PlatformConsole(app.platforms, enclave_id, follow=follow)
    label = title if follow else f"{title} (history)"
    app.push_screen(ConsoleScreen(source, label))
