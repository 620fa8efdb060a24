"""The calls a server answers beyond the `Platform` protocol: image copies, fixed facts.

Each entry makes the callable for one session's platform; the server looks them up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.platform.base import ConsoleHistory, Platform
from core.remote import images


def _facts(platform: Platform) -> Callable[[], dict[str, Any]]:
    """The platform's fixed properties in one round trip (asked once per connection)."""

    def facts() -> dict[str, Any]:
        return {
            "name": platform.name,
            "simulated": platform.simulated,
            "default_trust": platform.default_trust,
            "default_kms": platform.default_kms,
            "console_history": isinstance(platform, ConsoleHistory),
        }

    return facts


def _sim_root(platform: Platform) -> Callable[[], bytes]:
    def root() -> bytes:
        from core.attestation.trust import sim_root_anchor, sim_root_path
        from core.remote.served import served_home

        home = served_home()
        sim_root_anchor(home)  # the same checks (and creation) as a local `--trust sim`
        return sim_root_path(home).read_bytes()

    return root


def _kms_credentials(platform: Platform) -> Callable[[], bytes]:
    """The local KMS's credentials file: the operator signs tunnelled requests with them."""

    def credentials() -> bytes:
        from core.kms.local.credentials import credentials_path, load_or_create
        from core.kms.local.daemon import ensure_local_kms
        from core.remote.served import served_home

        home = served_home()
        ensure_local_kms(home)
        load_or_create(credentials_path(home))
        return credentials_path(home).read_bytes()

    return credentials


SERVER_CALLS: dict[str, Callable[[Platform], Callable[..., Any]]] = {
    "image.has": lambda _platform: images.has_image,
    "image.begin": lambda _platform: images.begin,
    "image.put": lambda _platform: images.put_chunk,
    "image.finish": lambda _platform: images.finish,
    "session.facts": _facts,
    "trust.sim_root": _sim_root,
    "kms.credentials": _kms_credentials,
}
