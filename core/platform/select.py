"""Which platform a command talks to: real Nitro where the driver exists, else the simulator."""

from __future__ import annotations

import os

from core.errors import NitrodeckError
from core.platform.base import Platform

NITRO_DEVICE = "/dev/nitro_enclaves"


def default_platform_name() -> str:
    return "nitro" if os.path.exists(NITRO_DEVICE) else "sim"


def open_platform(name: str | None = None, profile: str | None = None) -> Platform:
    """The named platform (`sim` or `nitro`), or the default for this machine."""
    chosen = name or os.environ.get("NITRODECK_PLATFORM") or default_platform_name()
    if chosen == "sim":
        from core.platform.sim.platform import SimPlatform

        return SimPlatform(profile)
    if chosen == "nitro":
        raise NitrodeckError(
            "the real Nitro platform is not implemented yet in this version",
            where=NITRO_DEVICE,
            fix="use the simulator: nitrodeck --platform sim …",
        )
    raise NitrodeckError(f"unknown platform {chosen!r}", fix="use --platform sim or nitro")
