"""The remote engine's own errors (a remote call's errors arrive as their original classes)."""

from __future__ import annotations

from core.errors import NitrodeckError


class RemoteError(NitrodeckError):
    """The remote end cannot be reached, refused us, or broke the protocol."""

    exit_code = 3


class VersionMismatchError(RemoteError):
    """The two ends speak different protocol versions."""


class FrameError(RemoteError):
    """The byte stream is not a nitrodeck protocol stream (or was cut mid-frame)."""
