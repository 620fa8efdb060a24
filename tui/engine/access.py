"""The one way screens reach the platform: a `PlatformHolder`, opened lazily and shared.

The app owns one holder (`PlatformHolder.for_args`), opened on first `get()` in a worker
thread so start stays fast, and closed when the app ends. A screen given a platform of its own
(tests, pictures) wraps it with `PlatformHolder.of`, which leaves closing to its owner.
`PlatformHeaderProvider` feeds the header from the holder, and `platform_checks` adds the
platform's own preflight checks to the Doctor screen.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from core.checks import Check
from core.home import Home
from tui.header import HeaderInfo

if TYPE_CHECKING:
    from core.platform.base import Platform
    from core.remote.target import Target

Opener = Callable[[], "Platform"]


class PlatformHolder:
    """Where the app works: a home and its platform, opened on first `get()` (which may raise
    `NitrodeckError`). Switching context changes both, in this process."""

    def __init__(
        self, opener: Opener, home: Home, *, owned: bool = True, context: str = ""
    ) -> None:
        self._opener = opener
        self._owned = owned
        self._platform: Platform | None = None
        self._lock = threading.Lock()
        self.home = home
        """The home the app works in: its simulator, its local KMS, its images and consoles."""
        self.own_home = home
        """The home the app started in: the one context `local` means."""
        self._own_opener = opener
        self.context = context
        """The context's name the header shows ("" when none was chosen: this machine)."""

    @classmethod
    def for_args(cls, name: str | None, profile: str | None, home: Home) -> PlatformHolder:
        """The platform `--platform`/`--profile` name (or this machine's default), owned."""

        def opener() -> Platform:
            from core.platform.select import open_platform

            return open_platform(name, profile, home=home)

        from core.platform.select import current_target

        target = current_target()
        return cls(opener, home, context=target.name if target is not None else "")

    def switch(self, target: Target) -> None:
        """Point at another context: later `get()`s open it; the old platform is closed.

        A host is reached over the protocol; a home (a saved context's, a lab's, the tour's)
        and this machine open in-process, with `Home` handed down (`local` is the app's own
        home). Runs in a worker (closing a remote waits for its session to end).
        """
        from core.platform.local import open_local_platform
        from core.platform.select import open_platform, set_target

        home = self.own_home
        if target.host:
            set_target(target)
        else:
            set_target(None)
            if target.home:
                home = Home(Path(target.home).expanduser(), label=target.name)
        opener: Opener
        if target.host:
            opener = partial(open_platform, home=home)
        elif target.home:
            opener = partial(open_local_platform, target.platform, target.profile, home=home)
        else:
            opener = self._own_opener  # back to what the app started with (--platform, …)
        with self._lock:
            old, self._platform = self._platform, None
            self._opener = opener
            self.home = home
            self.context = "" if target.name == "local" else target.name
        if old is not None:
            old.close()

    @classmethod
    def of(cls, platform: Platform, home: Home | None = None) -> PlatformHolder:
        """A holder around a platform already open (tests, screenshots); its owner closes it.
        Without `home`, the process's own (these callers are edges)."""
        holder = cls(lambda: platform, home or Home.resolve(), owned=False)
        holder._platform = platform
        return holder

    def get(self) -> Platform:
        """The platform, opened now if need be: call it from a thread worker."""
        with self._lock:
            if self._platform is None:
                self._platform = self._opener()
            return self._platform

    @property
    def opened(self) -> Platform | None:
        return self._platform

    def close(self) -> None:
        """Close the platform if this holder opened it; a later `get()` opens it again."""
        with self._lock:
            platform, self._platform = self._platform, (None if self._owned else self._platform)
        if self._owned and platform is not None:
            with contextlib.suppress(Exception):  # closing must not mask why the app ends
                platform.close()


def running_enclaves(platform: Platform) -> list[str]:
    """Names (or ids) of the enclaves that are running, for pickers and suggestions."""
    return [
        info.name or info.enclave_id
        for info in platform.describe_enclaves()
        if info.state.upper() == "RUNNING"
    ]


class PlatformHeaderProvider:
    """Header figures from the platform: SIMULATOR + profile or the instance, and pool use."""

    def __init__(self, holder: PlatformHolder) -> None:
        self.holder = holder

    def header_info(self) -> HeaderInfo:
        platform = self.holder.get()
        host, pool = platform.host_info(), platform.pool_state()
        simulated = platform.simulated
        return HeaderInfo(
            context=self.holder.context,
            simulated=simulated,
            instance_id="" if simulated else host.instance_id,
            instance_type=host.instance_type,
            region=host.region,
            pool_cpus_used=len(pool.used_cpus),
            pool_cpus_total=len(pool.cpus),
            pool_memory_used_mib=pool.used_memory_mib,
            pool_memory_total_mib=pool.memory_mib,
        )


def platform_checks(holder: PlatformHolder) -> Callable[[], list[Check]]:
    """The platform's own preflight checks, as a Doctor check provider."""

    def provider() -> list[Check]:
        return holder.get().preflight()

    return provider
