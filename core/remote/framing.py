"""Length-framed messages on a byte stream: a 4-byte big-endian length, then that many bytes.

The far end is a shell on another machine, so the first bytes may not be ours at all (a login
banner a shell rc file prints); `FrameError` then shows what arrived so the user can find it.
"""

from __future__ import annotations

import struct
from typing import IO

from core.remote.errors import FrameError

__all__ = ["FrameError", "read_frame", "write_frame"]

MAX_FRAME = 16 << 20
_LENGTH = struct.Struct(">I")


def write_frame(stream: IO[bytes], payload: bytes) -> None:
    if len(payload) > MAX_FRAME:
        raise FrameError(f"a {len(payload)}-byte message exceeds the {MAX_FRAME}-byte limit")
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    parts, missing = [], size
    while missing:
        chunk = stream.read(missing)
        if not chunk:
            break
        parts.append(chunk)
        missing -= len(chunk)
    return b"".join(parts)


def read_frame(stream: IO[bytes], *, where: str = "remote") -> bytes | None:
    """The next payload, or None at a clean end of stream (between frames)."""
    head = _read_exact(stream, _LENGTH.size)
    if not head:
        return None
    if len(head) < _LENGTH.size:
        raise FrameError("the stream ended inside a message header", where=where)
    (size,) = _LENGTH.unpack(head)
    if size > MAX_FRAME:
        more = getattr(stream, "read1", stream.read)(200)
        raise FrameError(
            f"not a nitrodeck protocol stream: it starts with {(head + more)[:200]!r}",
            where=where,
            fix="the remote shell prints text on a non-interactive login (check ~/.bashrc, "
            "/etc/motd scripts) or the remote command is not `nitrodeck`",
        )
    payload = _read_exact(stream, size)
    if len(payload) < size:
        raise FrameError(
            f"the stream ended inside a {size}-byte message ({len(payload)} bytes came)",
            where=where,
        )
    return payload
