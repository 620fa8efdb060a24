"""First run on a machine without Nitro: something real to look at within seconds.

Each task runs in its own thread worker when the app starts and returns the notice to show
(or None when there was nothing to do): the platform opened (the simulator applies the
allocator's shipped defaults on first open), the local KMS started, the demo image built.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from core.home import ensure_private_dir
from tui.engine.access import PlatformHolder

StartupTask = Callable[[], "str | None"]
DEMO_IMAGE = "demo.eif"


def open_platform_task(holder: PlatformHolder) -> StartupTask:
    def task() -> str | None:
        holder.get()
        return None

    return task


def local_kms_task(holder: PlatformHolder) -> StartupTask:
    """Start this home's local KMS when the platform uses it (not on a real parent)."""

    def task() -> str | None:
        from core.kms.local.daemon import ensure_local_kms, running_local_kms

        if holder.get().default_kms != "local":
            return None
        home = holder.home
        if running_local_kms(home) is not None:
            return None
        return f"local KMS started at {ensure_local_kms(home)}"

    return task


def demo_image_task(where: Path) -> StartupTask:
    def task() -> str | None:
        target = ensure_private_dir(where) / DEMO_IMAGE
        if target.exists():
            return None
        from core.agent.demo import build_demo_image

        build_demo_image(target)
        return f"demo image ready: {target} (press r on the enclaves screen to run it)"

    return task


def first_run_tasks(holder: PlatformHolder) -> list[StartupTask]:
    """Everything the app warms up in the background when started from the command line."""
    return [
        open_platform_task(holder),
        local_kms_task(holder),
        demo_image_task(holder.home.images_dir),
    ]
