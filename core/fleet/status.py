"""Fleet status: every member's enclaves, pool, PCR0s and health, gathered concurrently.

Each member gets its own thread and its own deadline; a member that cannot be reached or does
not answer in time is reported as unreachable with the reason, never holding up the others.
`FleetMonitor` keeps the connections open between refreshes (the app's fleet view) and opens
a member again when its connection dropped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from core.checks import Check
from core.errors import NitrodeckError
from core.home import Home
from core.platform.base import EnclaveInfo, Platform, PoolState
from core.remote.target import Target, open_target

DEFAULT_TIMEOUT = 10.0

Opener = Callable[[Target, float], Platform]


@dataclass(frozen=True)
class MemberStatus:
    """One member as the fleet view shows it; `error` set means unreachable."""

    name: str
    location: str
    error: str | None = None
    platform: str | None = None
    instance_type: str | None = None
    instance_id: str | None = None
    enclaves: tuple[EnclaveInfo, ...] = ()
    pool: PoolState | None = None
    checks: tuple[Check, ...] = ()
    seconds: float = 0.0

    @property
    def reachable(self) -> bool:
        return self.error is None

    @property
    def healthy(self) -> bool:
        return self.reachable and all(c.ok for c in self.checks)

    @property
    def pcr0s(self) -> tuple[str, ...]:
        return tuple(sorted({e.measurements.get("PCR0", "") for e in self.enclaves} - {""}))

    def cells(self) -> tuple[str, str, str, str, str, str]:
        """State, enclaves, pool CPUs, pool MiB, doctor, PCR0s (or the reason): table text."""
        if not self.reachable:
            return ("UNREACHABLE", "", "", "", "", self.error or "")
        pool = self.pool
        cpus = f"{len(pool.used_cpus)}/{len(pool.cpus)}" if pool else "-"
        memory = f"{pool.used_memory_mib}/{pool.memory_mib}" if pool else "-"
        doctor = "-" if not self.checks else ("ok" if self.healthy else "FAIL")
        pcr0s = ", ".join(p[:16] + "…" for p in self.pcr0s) or "-"
        return ("ok", str(len(self.enclaves)), cpus, memory, doctor, pcr0s)

    def to_json(self) -> dict[str, Any]:
        pool = self.pool
        return {
            "name": self.name,
            "location": self.location,
            "reachable": self.reachable,
            "error": self.error,
            "platform": self.platform,
            "instance_type": self.instance_type,
            "instance_id": self.instance_id,
            "enclaves": [
                {
                    "name": e.name,
                    "id": e.enclave_id,
                    "state": e.state,
                    "pcr0": e.measurements.get("PCR0"),
                    "cpus": len(e.cpu_ids),
                    "memory_mib": e.memory_mib,
                }
                for e in self.enclaves
            ],
            "pool": None
            if pool is None
            else {
                "cpus_used": len(pool.used_cpus),
                "cpus": len(pool.cpus),
                "memory_used_mib": pool.used_memory_mib,
                "memory_mib": pool.memory_mib,
            },
            "pcr0s": list(self.pcr0s),
            "doctor": "n/a" if not self.checks else ("ok" if self.healthy else "failing"),
            "failing_checks": [c.name for c in self.checks if not c.ok],
            "seconds": round(self.seconds, 3),
        }


def member_status(target: Target, platform: Platform, started: float) -> MemberStatus:
    """What one open member reports now."""
    host = platform.host_info()
    return MemberStatus(
        name=target.name,
        location=target.location,
        platform=platform.name,
        instance_type=host.instance_type,
        instance_id=host.instance_id,
        enclaves=tuple(platform.describe_enclaves()),
        pool=platform.pool_state(),
        checks=tuple(platform.preflight()),
        seconds=time.monotonic() - started,
    )


def unreachable(target: Target, reason: str, started: float) -> MemberStatus:
    return MemberStatus(
        name=target.name,
        location=target.location,
        error=reason,
        seconds=time.monotonic() - started,
    )


@dataclass
class FleetMonitor:
    """Open members, kept between refreshes; `refresh()` answers for all of them at once."""

    targets: Sequence[Target]
    home: Home
    """This machine's home (the operator's), handed to every member opened."""
    timeout: float = DEFAULT_TIMEOUT
    opener: Opener | None = None
    """How a member is opened (tests); default `open_target`."""
    _open: dict[str, Platform] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _one(self, target: Target) -> MemberStatus:
        started = time.monotonic()
        with self._lock:
            platform = self._open.get(target.name)
        try:
            if platform is None:
                platform = (
                    self.opener(target, self.timeout)
                    if self.opener is not None
                    else open_target(target, home=self.home, timeout=self.timeout)
                )
                with self._lock:
                    self._open[target.name] = platform
            return member_status(target, platform, started)
        except NitrodeckError as error:
            self._drop(target.name)
            return unreachable(target, error.what, started)
        except OSError as error:
            self._drop(target.name)
            return unreachable(target, str(error), started)

    def opened(self, name: str) -> Platform | None:
        """The member's open platform, if its last refresh reached it."""
        with self._lock:
            return self._open.get(name)

    def _drop(self, name: str) -> None:
        with self._lock:
            platform = self._open.pop(name, None)
        if platform is not None:
            threading.Thread(target=platform.close, daemon=True).start()

    def refresh(self) -> list[MemberStatus]:
        """Every member's status, in the targets' order, within about `timeout` seconds."""
        if not self.targets:
            return []
        pool = ThreadPoolExecutor(max_workers=min(32, len(self.targets)))
        futures = [(t, pool.submit(self._one, t), time.monotonic()) for t in self.targets]
        results = []
        for target, future, started in futures:
            left = self.timeout * 2 + 1 - (time.monotonic() - started)
            try:
                results.append(future.result(timeout=max(0.0, left)))
            except FutureTimeout:
                self._drop(target.name)
                results.append(unreachable(target, f"no answer within {self.timeout:g} s", started))
        pool.shutdown(wait=False)  # a stuck member's thread ends at its own call deadline
        return results

    def close(self) -> None:
        with self._lock:
            names = list(self._open)
        for name in names:
            self._drop(name)


def fleet_status(
    targets: Sequence[Target], home: Home, timeout: float = DEFAULT_TIMEOUT
) -> list[MemberStatus]:
    """One look at every member (connections closed afterwards)."""
    monitor = FleetMonitor(targets, home, timeout)
    try:
        return monitor.refresh()
    finally:
        monitor.close()
