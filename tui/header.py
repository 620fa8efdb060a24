"""What the header shows, and who supplies it.

The header asks a `HeaderProvider` (in a thread: a real platform may read sysfs or instance
metadata) for a `HeaderInfo`. The simulator and the Nitro platform plug in their own provider
later; `StaticHeaderProvider` is the in-memory one for tests and for a platform not started.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class HeaderInfo:
    """The platform line of the header. Counts are None when not known (yet)."""

    simulated: bool
    context: str = ""
    """The context in use (`:ctx`); empty for this machine with no context chosen."""
    instance_id: str = ""
    instance_type: str = ""
    region: str = ""
    pool_cpus_used: int | None = None
    pool_cpus_total: int | None = None
    pool_memory_used_mib: int | None = None
    pool_memory_total_mib: int | None = None

    def platform_label(self, *, compact: bool = False) -> str:
        """SIMULATOR is spelled out so nobody mistakes it for a real parent instance.

        `compact` (a narrow terminal) drops the region, so the pool figures keep their room.
        """
        region = () if compact else (self.region,)
        parts = [part for part in (self.instance_id, self.instance_type, *region) if part]
        where = f"ctx {self.context} · " if self.context else ""
        if self.simulated:
            return where + "SIMULATOR" + (f" ({', '.join(parts)})" if parts else "")
        return where + (" · ".join(parts) or "Nitro instance")

    def pool_label(self, *, compact: bool = False) -> str:
        known = (self.pool_cpus_total, self.pool_memory_total_mib)
        if all(value is None for value in known):
            return "enclave pool: not known yet"
        cpus = _ratio(self.pool_cpus_used, self.pool_cpus_total)
        memory = _ratio(self.pool_memory_used_mib, self.pool_memory_total_mib)
        return f"CPUs {cpus} · {'' if compact else 'memory '}{memory} MiB"


def _ratio(used: int | None, total: int | None) -> str:
    return f"{'?' if used is None else used}/{'?' if total is None else total}"


# A plausible simulated m5.xlarge with one enclave running: screenshots and tests show this.
DEMO_SIMULATOR = HeaderInfo(
    simulated=True,
    instance_type="m5.xlarge",
    region="local",
    pool_cpus_used=2,
    pool_cpus_total=4,
    pool_memory_used_mib=1024,
    pool_memory_total_mib=8192,
)


class HeaderProvider(Protocol):
    def header_info(self) -> HeaderInfo:
        """Current figures; may block briefly (runs in a worker thread) and may raise."""
        ...


class StaticHeaderProvider:
    """Returns whatever it was last given: the fake for tests, the fallback before a platform."""

    def __init__(self, info: HeaderInfo) -> None:
        self.info = info
        self.calls = 0

    def header_info(self) -> HeaderInfo:
        self.calls += 1
        return self.info
