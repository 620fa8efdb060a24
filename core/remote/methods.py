"""Which calls cross the wire: the `Platform` protocol's members, found from the protocol itself.

Reading them from `core.platform.base.Platform` means a member added to the protocol is served
without touching the remote code (its data types travel through `codec`'s generic encoding).
"""

from __future__ import annotations

import functools

from core.platform import base

# Calls that return a live stream rather than a value; the server pumps them.
STREAMING = frozenset({"console", "connect_vsock"})
# Members answered on the operator's side only: the root that verifies the far end and the way
# to its KMS are decided here (core.platform.trust), and `close` ends the session, not a call.
LOCAL_ONLY = frozenset({"trust_anchor", "kms_target", "close"})


@functools.cache
def platform_methods() -> frozenset[str]:
    names = set()
    for cls in (base.Platform, base.ConsoleHistory):
        for name in dir(cls):
            if not name.startswith("_"):
                names.add(name)
    names |= set(getattr(base.Platform, "__annotations__", {}))
    return frozenset(names - LOCAL_ONLY)
