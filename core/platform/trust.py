"""Which root verifies a platform's enclaves: always decided on the operator's machine.

The rule (the README's "Trust" section says the same):
- The operator chooses: `--trust` on the command, else the `trust` stored with the context on
  this machine (`nitrodeck ctx add NAME … --trust …`), else the platform's own root, but only
  when this machine holds it: the pinned AWS root, or a simulator home on this machine.
- A remote host never supplies a root that is trusted on its word. A remote simulator's root
  is used only when the operator says so: `sim-remote` (accept the root it reports; for
  simulations, it proves nothing against a compromised host) or `sha256:FP` (accept it only
  when its DER SHA-256 is FP), or its PEM copied to this machine (`--trust FILE`).

Choices: `aws` (the pinned AWS Nitro Enclaves root), `sim` (the simulator root on this machine:
a `home:` member's own, else the operator's home's), `sim-remote`, `sha256:<64 hex digits>`, or
the path of a PEM file on this machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import UsageError

if TYPE_CHECKING:
    from core.attestation.trust import TrustAnchor
    from core.home import Home

SIM_REMOTE = "sim-remote"
NAMED = ("aws", "sim", SIM_REMOTE)
_PIN = re.compile(r"^sha256:([0-9a-f]{64})$")
CHOICES_HELP = "aws, sim, sim-remote, sha256:FINGERPRINT or a PEM file"


class TrustChoiceError(UsageError):
    """No root can be chosen without the operator (or the one chosen does not fit)."""


def parse_trust_choice(text: str, *, where: str = "--trust") -> str:
    """A checked choice; a PEM path becomes absolute (a context keeps it for later commands)."""
    choice = text.strip()
    if choice in NAMED or _PIN.match(choice.lower()):
        return choice.lower()
    if choice.lower().startswith("sha256:"):
        raise TrustChoiceError(
            f"{choice!r} is not sha256: and 64 hex digits",
            where=where,
            fix="copy the fingerprint `nitrodeck attestation` or `openssl x509 -fingerprint "
            "-sha256` prints, without colons",
        )
    path = Path(choice).expanduser()
    if not choice or not path.is_file():
        raise TrustChoiceError(
            f"{choice!r} is neither a trust name nor an existing file",
            where=where,
            fix=f"use one of: {CHOICES_HELP}",
        )
    return str(path.resolve())


def choose_anchor(
    choice: str | None,
    own: Callable[[], TrustAnchor],
    reported: Callable[[], TrustAnchor] | None = None,
    *,
    home: Home | None,
) -> TrustAnchor:
    """The anchor `choice` names; None means the platform's `own` (a root on this machine).

    `reported` is what a remote host says its root is: used only for `sim-remote` and a
    `sha256:` pin. Platforms on this machine have none: their own root is what they report.
    `home` is the simulator home `sim` names (the platform's own, else the operator's).
    """
    from core.attestation.trust import anchor_from_pem, aws_root_anchor, sim_root_anchor

    if choice is None:
        return own()
    if choice == "aws":
        return aws_root_anchor()
    if choice == "sim":
        if home is None:
            raise TrustChoiceError(
                "`sim` names the simulator root of a home on this machine, and there is none here",
                where="--trust",
                fix=f"use one of: {CHOICES_HELP}",
            )
        return sim_root_anchor(home)
    if choice == SIM_REMOTE:
        return (reported or own)()
    pin = _PIN.match(choice)
    if pin is None:
        return anchor_from_pem(choice)
    anchor = (reported or own)()
    if anchor.fingerprint != pin.group(1):
        raise TrustChoiceError(
            f"the root offered ({anchor.name}) has SHA-256 {anchor.fingerprint}, not the pinned "
            f"{pin.group(1)}",
            where=anchor.source or anchor.name,
            fix="the remote's simulator root changed (a new simulator home) or the host is not "
            "the one you pinned: check it before pinning the new fingerprint",
        )
    return anchor
