"""The header's figures from a live platform (`core.platform`'s `Platform`: sim or Nitro).

Written against the shape of `Platform.host_info()` and `Platform.pool_state()` only, so the
frame does not depend on the platform package being present: until it is, `open_header_provider`
falls back to a static simulator header.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any, Protocol

from tui.header import HeaderInfo, HeaderProvider


class HostLike(Protocol):
    @property
    def platform(self) -> str: ...
    @property
    def instance_type(self) -> str: ...
    @property
    def instance_id(self) -> str: ...
    @property
    def region(self) -> str: ...


class PoolLike(Protocol):
    @property
    def cpus(self) -> tuple[int, ...]: ...
    @property
    def used_cpus(self) -> tuple[int, ...]: ...
    @property
    def used_memory_mib(self) -> int: ...
    @property
    def memory_mib(self) -> int: ...


class PlatformLike(Protocol):
    def host_info(self) -> HostLike: ...
    def pool_state(self) -> PoolLike: ...


class PlatformHeaderProvider:
    """Opens the platform on first use (in the poller's thread, never at app start), reads the
    host once and the pool on every refresh."""

    def __init__(self, opener: Callable[[], PlatformLike]) -> None:
        self._opener = opener
        self._platform: PlatformLike | None = None
        self._host: HostLike | None = None
        self._lock = threading.Lock()

    def header_info(self) -> HeaderInfo:
        with self._lock:
            if self._platform is None:
                self._platform = self._opener()
            if self._host is None:
                self._host = self._platform.host_info()
            platform, host = self._platform, self._host
        pool = platform.pool_state()
        return HeaderInfo(
            simulated=host.platform != "nitro",
            instance_id=host.instance_id,
            instance_type=host.instance_type,
            region=host.region,
            pool_cpus_used=len(pool.used_cpus),
            pool_cpus_total=len(pool.cpus),
            pool_memory_used_mib=pool.used_memory_mib,
            pool_memory_total_mib=pool.memory_mib,
        )


def open_header_provider(platform: str | None, profile: str | None) -> HeaderProvider:
    """The live provider when `core.platform` is installed, else `default_header_provider`."""
    from tui.header import default_header_provider

    try:
        select = importlib.import_module("core.platform.select")
    except ModuleNotFoundError:
        return default_header_provider(platform, profile)
    opener: Any = select.open_platform
    return PlatformHeaderProvider(lambda: opener(platform, profile))
