"""The platforms of this machine: real Nitro where the driver exists, else the simulator.

Below both `core.platform.select` (which may choose a remote target instead) and
`core.remote.target` (whose local targets open these), so neither imports the other.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import NitrodeckError
from core.home import Home
from core.platform.base import Platform

NITRO_DEVICE = "dev/nitro_enclaves"


def default_platform_name() -> str:
    """`nitro` where the driver's device exists (under `$NITRODECK_SYSROOT`), else `sim`."""
    root = Path(os.environ.get("NITRODECK_SYSROOT") or "/")
    return "nitro" if (root / NITRO_DEVICE).exists() else "sim"


def open_local_platform(
    name: str | None = None, profile: str | None = None, *, home: Home
) -> Platform:
    """The named platform on this machine, or the default for this machine; the simulator
    keeps its state in `home`."""
    chosen = name or os.environ.get("NITRODECK_PLATFORM") or default_platform_name()
    if chosen == "sim":
        from core.platform.sim.platform import SimPlatform

        return SimPlatform(profile, home=home)
    if chosen == "nitro":
        from core.platform.nitro.platform import NitroPlatform

        return NitroPlatform(home=home)
    raise NitrodeckError(f"unknown platform {chosen!r}", fix="use --platform sim or nitro")
