"""The error raised when an attestation document cannot be read or parsed at all."""

from __future__ import annotations

from core.errors import NitrodeckError


class AttestationError(NitrodeckError):
    """Unreadable or unparseable attestation input (exit 2: nothing could be verified)."""

    exit_code = 2
