"""Which platform a command talks to: a remote target, real Nitro where the driver exists, else
the simulator.

`--host`/`--context` (or `$NITRODECK_HOST`) choose a target once per process with
`set_target`; every command then opens it through `open_platform` without knowing. The
platforms of this machine are `core.platform.local`'s.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from core.home import Home
from core.platform.base import Platform
from core.platform.local import open_local_platform

if TYPE_CHECKING:
    from core.remote.target import Target

_target: Target | None = None


def set_target(target: Target | None) -> None:
    """Make `open_platform` open `target` (None: this machine) for the rest of the process."""
    global _target
    _target = target


def current_target() -> Target | None:
    """The chosen target: `set_target`'s, else `$NITRODECK_HOST` as an ssh target, else None."""
    if _target is not None:
        return _target
    host = os.environ.get("NITRODECK_HOST")
    if host:
        from core.remote.target import Target

        return Target(name=host, host=host)
    return None


def open_platform(name: str | None = None, profile: str | None = None, *, home: Home) -> Platform:
    """The current target's platform, else the named local one (`sim` or `nitro`) in `home`."""
    target = current_target()
    if target is not None and (target.host or target.home):
        from dataclasses import replace

        from core.remote.target import open_target

        return open_target(
            replace(target, platform=name or target.platform, profile=profile or target.profile),
            home=home,
        )
    return open_local_platform(name, profile, home=home)
