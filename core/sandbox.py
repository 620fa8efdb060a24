"""Stop what runs under a home: its simulator's enclaves and its local KMS daemon.

Labs and the tour each work in a home of their own; when they end, nothing of theirs may keep
running on a shared machine.
"""

from __future__ import annotations

from core.home import Home


def stop_home(home: Home) -> None:
    """Terminate the simulator's enclaves under `home` and stop its KMS (files stay)."""
    from core.kms.local.daemon import stop_local_kms
    from core.platform.sim.platform import SimPlatform

    if not home.path.is_dir():
        return
    if (home / "sim").is_dir():
        platform = SimPlatform(home=home)
        try:
            platform.terminate_enclave(all_enclaves=True)
        finally:
            platform.close()
    stop_local_kms(home)
