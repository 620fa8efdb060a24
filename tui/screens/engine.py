"""How a screen of the attestation and KMS views reaches the engine, and shows its errors.

A screen is given a platform (tests pass a real `SimPlatform`), or uses the app's own when the
frame provides one (`app.platform`), or opens the default platform on first use, in its worker
thread, and closes what it opened when it goes away.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from textual.worker import Worker, WorkerState

from core.errors import NitrodeckError
from core.platform.base import Platform
from core.platform.select import open_platform


class PlatformAccess:
    """The platform for one screen; `get` may block (call it from a thread worker)."""

    def __init__(self, platform: Platform | None = None) -> None:
        self._platform = platform
        self._opened = False
        self._lock = threading.Lock()

    def get(self, app: Any) -> Platform:
        with self._lock:
            if self._platform is None:
                shared = getattr(app, "platform", None)
                if shared is not None and hasattr(shared, "describe_enclaves"):
                    self._platform = shared
                else:
                    self._platform = open_platform(
                        getattr(app, "platform_name", None), getattr(app, "profile", None)
                    )
                    self._opened = True
            return self._platform

    def close(self) -> None:
        """Close the platform if this screen opened it (an injected one belongs to its owner)."""
        with self._lock:
            if self._opened and self._platform is not None:
                with contextlib.suppress(Exception):
                    self._platform.close()
            self._platform, self._opened = (
                (None, False) if self._opened else (self._platform, False)
            )


def escape(text: str) -> str:
    """Text shown inside Textual markup verbatim: every `[` escaped (Textual's own `escape`
    leaves `[ E58 ]`, nitro-cli's error codes, to be eaten as a tag)."""
    return text.replace("[", "\\[")


def error_markup(error: NitrodeckError) -> str:
    """A core error as Rich markup: what (where), then the fix on its own line."""
    text = f"[b red]{escape(error.what)}[/]"
    if error.where:
        text += f"  [dim]({escape(error.where)})[/]"
    if error.fix:
        text += f"\n[b]fix:[/] {escape(error.fix)}"
    return text


def running_enclaves(platform: Platform) -> list[str]:
    """Names (or ids) of the enclaves that are running, for pickers and suggestions."""
    return [
        info.name or info.enclave_id
        for info in platform.describe_enclaves()
        if info.state.upper() == "RUNNING"
    ]


class ShowsWorkerErrors:
    """Mix into a screen: a worker that dies of an unexpected error (a bug, or a library error
    core did not translate) is reported in the screen's status line instead of vanishing."""

    def show_error(self, markup: str) -> None:
        raise NotImplementedError

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.show_error(
                f"[b red]unexpected error[/] ({escape(type(error).__name__)}): {escape(str(error))}"
            )
