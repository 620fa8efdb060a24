"""The platform's own preflight checks, one entry point for the CLI's doctor and the app's."""

from __future__ import annotations

from core.doctor import Check
from core.platform.base import Platform


def platform_checks(platform: Platform) -> list[Check]:
    """The simulator's checks on the simulator; the real instance's arrive with that platform."""
    from core.platform.nitro.platform import NitroPlatform

    if isinstance(platform, NitroPlatform):
        return platform.preflight()
    instance = getattr(platform, "instance", None)
    if platform.name != "sim" or instance is None:
        return []
    from core.platform.sim.doctor import sim_checks

    return sim_checks(instance)
