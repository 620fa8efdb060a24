"""What a screen may ask of the app, as a small protocol: screens never import `tui.app`.

`NitrodeckApp` implements it; a screen reaches it through `NitrodeckScreen.nd_app`. Keeping
the surface this small is what lets the app import its screens lazily without import cycles.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from core.doctor import CheckProvider
from tui.engine.access import PlatformHolder
from tui.header import HeaderProvider


class ScreenHost(Protocol):
    """The app as its screens see it: the platform, the header, the flags, navigation."""

    platforms: PlatformHolder
    header_provider: HeaderProvider
    read_only: bool
    clock: Callable[[], datetime]
    check_providers: list[CheckProvider]

    def command_words(self) -> list[str]: ...

    def run_command(self, command: str) -> bool: ...

    def go_back(self) -> None: ...

    def start_tour(self) -> None: ...
