"""The in-app tour's own home: `:tour` never touches the operator's enclaves, pool or keys.

Like `nitrodeck tour`, the story lives in `<home>/tour` on the simulator. For the tour's length
the app's platform (and its header) point there and `$NITRODECK_HOME` names it, so the views the
tour opens, the demo image and the local KMS all work in it; `leave` puts everything back and
stops the tour's enclave and KMS, however the tour ended (its last step, esc, an error, quit).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from core.home import nitrodeck_home
from tui.engine.access import PlatformHeaderProvider, PlatformHolder

if TYPE_CHECKING:
    from core.platform.base import Platform
    from tui.app import NitrodeckApp

TOUR_DIR = "tour"


def tour_home(home: Path | None = None) -> Path:
    """Where a tour started from `home` (default: the current one) keeps its story."""
    return (home or nitrodeck_home()) / TOUR_DIR


def _open_simulator() -> Platform:
    from core.platform.select import open_local_platform

    return open_local_platform("sim", None)


class TourHome:
    """Enter on the UI thread before the tour; `leave` (any thread) exactly once after it."""

    def __init__(self, app: NitrodeckApp) -> None:
        self.app = app
        self.home = tour_home()
        self._env = os.environ.get("NITRODECK_HOME")
        self._holder = app.platforms
        self.holder = PlatformHolder(_open_simulator, context="tour")

    def _header(self) -> PlatformHeaderProvider | None:
        provider = self.app.header_provider
        return provider if isinstance(provider, PlatformHeaderProvider) else None

    def enter(self) -> None:
        os.environ["NITRODECK_HOME"] = str(self.home)
        self.app.platforms = self.holder
        header = self._header()
        if header is not None:
            header.holder = self.holder

    def leave(self) -> None:
        from core.sandbox import stop_home

        self.app.platforms = self._holder
        header = self._header()
        if header is not None:
            header.holder = self._holder
        if self._env is None:
            os.environ.pop("NITRODECK_HOME", None)
        else:
            os.environ["NITRODECK_HOME"] = self._env
        self.holder.close()
        stop_home(self.home)
