"""The calls a server answers beyond the `Platform` protocol: image copies, doctor checks.

Each entry makes the callable for one session's platform; the server looks them up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.doctor import Check
from core.platform.base import Platform
from core.remote import images


def _platform_checks(platform: Platform) -> Callable[[], list[Check]]:
    def run() -> list[Check]:
        from core.platform.preflight import platform_checks

        return platform_checks(platform)

    return run


SERVER_CALLS: dict[str, Callable[[Platform], Callable[..., Any]]] = {
    "image.has": lambda _platform: images.has_image,
    "image.put": lambda _platform: images.put_chunk,
    "image.finish": lambda _platform: images.finish,
    "doctor.platform_checks": _platform_checks,
}
