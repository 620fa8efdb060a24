"""A demo key for a running enclave: its policy lets Decrypt only inside an enclave whose PCR0 is
that enclave's image's, administered by another principal than the one that decrypts; a random
secret is encrypted under it and the ciphertext kept, ready for the decrypt flow.

`nitrodeck kms create-demo-key` and the KMS view's `c` both drive it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.agent.client import find_agent_enclave
from core.home import Home
from core.kms.demo import DemoKey, create_demo_key
from core.kms.target import DemoRoles, KmsTarget, demo_roles
from core.platform.base import Platform


@dataclass(frozen=True)
class DemoKeyMade:
    demo: DemoKey
    roles: DemoRoles


def make_demo_key(
    platform: Platform,
    enclave: str,
    target: Callable[[], KmsTarget],
    home: Home,
    *,
    decrypt_principal: str | None = None,
    alias: str | None = None,
    output: Path | None = None,
) -> DemoKeyMade:
    """The key for `enclave` (name or id, running the agent) on the KMS `target` gives (asked
    once the enclave is found: it may start the local KMS); the ciphertext goes to `output`, else
    under `home`. Blocking: call it from a worker."""
    info = find_agent_enclave(platform, enclave)
    roles = demo_roles(target(), decrypt_principal)
    demo = create_demo_key(
        roles.client,
        info,
        admin=roles.admin,
        decryptor=roles.decryptor,
        alias=alias,
        output=output,
        home=home,
    )
    return DemoKeyMade(demo, roles)
