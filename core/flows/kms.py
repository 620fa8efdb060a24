"""Which KMS a task on a platform talks to, decided once for the command line and the app.

`--endpoint-url` (or the KMS view's `t`) wins; else the platform's own default: a remote
simulator's local KMS forwarded over its connection, AWS KMS on a real parent, the local KMS of
the home in use on the simulator.
"""

from __future__ import annotations

from core.home import Home
from core.kms.target import KmsTarget, resolve_target
from core.platform.base import Platform


def kms_target_for(platform: Platform, endpoint_url: str | None, home: Home) -> KmsTarget:
    """The KMS for `platform`: `endpoint_url` if given, else the platform's default."""
    forwarded = platform.kms_target() if endpoint_url is None else None
    if forwarded is not None:
        return forwarded
    return resolve_target(endpoint_url, local=platform.default_kms == "local", home=home)
