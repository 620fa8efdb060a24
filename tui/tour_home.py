"""The in-app tour's own home: `:tour` never touches the operator's enclaves, pool or keys.

Like `nitrodeck tour`, the story lives in `<home>/tour` on the simulator (`core.tour.tour_home`).
For the tour's length the app's platform (and its header) point at a simulator handed that
`Home`, so the views the tour opens, the demo image and the local KMS all work in it, in this
process and with its environment untouched; `leave` puts everything back and stops the tour's
enclave and KMS, however the tour ended (its last step, esc, an error, quit).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from core.tour import tour_home
from tui.engine.access import PlatformHeaderProvider, PlatformHolder

if TYPE_CHECKING:
    from tui.engine.host import ScreenHost


class TourHome:
    """Enter on the UI thread before the tour; `leave` (any thread) exactly once after it."""

    def __init__(self, host: ScreenHost) -> None:
        from core.platform.local import open_local_platform

        self.host = host
        self.home = tour_home(host.platforms.home)
        self._holder = host.platforms
        opener = partial(open_local_platform, "sim", None, home=self.home)
        self.holder = PlatformHolder(opener, self.home, context="tour")

    def _header(self) -> PlatformHeaderProvider | None:
        provider = self.host.header_provider
        return provider if isinstance(provider, PlatformHeaderProvider) else None

    def enter(self) -> None:
        self.host.platforms = self.holder
        header = self._header()
        if header is not None:
            header.holder = self.holder

    def leave(self) -> None:
        from core.sandbox import stop_home

        self.host.platforms = self._holder
        header = self._header()
        if header is not None:
            header.holder = self._holder
        self.holder.close()
        stop_home(self.home)
