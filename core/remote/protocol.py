"""The remote protocol's messages and its version handshake.

Every message is a CBOR map with a kind `t`:
  hello  {"t": "hello", "protocol": N, "version": "x.y.z"}   both ends, first, server first
  call   {"t": "call", "id": N, "m": method, "a": [args], "k": {kwargs}}
  ok     {"t": "ok", "id": N, "v": value}                     a call's result
  err    {"t": "err", "id": N, "e": error}                    a call's `NitrodeckError` or OSError
  data   {"t": "data", "s": N, "b": bytes}                    stream bytes, either direction
  end    {"t": "end", "s": N, "e": error | None}              a stream ended (server side)
  close  {"t": "close", "s": N}                               the client is done with a stream
A streaming call's stream number is its call id. Bump PROTOCOL_VERSION on any incompatible
change: the ends refuse each other with both versions named instead of misreading messages.
"""

from __future__ import annotations

import errno
from typing import Any

import core
from core.errors import NitrodeckError
from core.remote.errors import RemoteError, VersionMismatchError
from core.remote.untrusted import clean_text

__all__ = ["RemoteError", "VersionMismatchError"]

PROTOCOL_VERSION = 2


def nitrodeck_version() -> str:
    return core.__version__


def hello() -> dict[str, Any]:
    return {"t": "hello", "protocol": PROTOCOL_VERSION, "version": nitrodeck_version()}


def hello_payload(options: dict[str, Any] | None = None) -> bytes:
    """A hello, encoded (the client's carries its `options`). It holds plain values only, so
    plain CBOR encodes it: sending one needs neither `codec` nor anything it imports, which lets
    both ends send theirs before loading the rest (see `core.remote.early`)."""
    import cbor2

    message = hello() if options is None else {**hello(), "options": options}
    return cbor2.dumps(message)


def check_hello(message: object, *, where: str) -> dict[str, Any]:
    """The peer's hello, or a `VersionMismatchError` naming both ends' versions."""
    if not isinstance(message, dict) or message.get("t") != "hello":
        raise RemoteError(
            "the remote end did not start with the nitrodeck protocol's hello",
            where=where,
            fix="the remote command must run `nitrodeck serve --stdio`",
        )
    theirs = message.get("protocol")
    if theirs != PROTOCOL_VERSION:
        raise VersionMismatchError(
            f"protocol version mismatch: this side runs nitrodeck {nitrodeck_version()} "
            f"(protocol {PROTOCOL_VERSION}), the remote runs nitrodeck "
            f"{clean_text(str(message.get('version', 'unknown')), 100)} "
            f"(protocol {clean_text(repr(theirs), 100)})",
            where=where,
            fix="install the same nitrodeck version on both machines",
        )
    return message


def error_payload(error: BaseException) -> object:
    """How a failed call's exception travels: nitrodeck errors whole, OS errors by errno."""
    if isinstance(error, NitrodeckError):
        return error
    if isinstance(error, OSError):
        return {"oserror": error.errno or errno.EIO, "message": error.strerror or str(error)}
    return {"bug": f"{type(error).__name__}: {error}"}


def raise_payload(payload: object, *, where: str) -> None:
    """Raise what `error_payload` sent, as the same kind of exception on this side."""
    if isinstance(payload, NitrodeckError):
        raise payload
    if isinstance(payload, dict) and "oserror" in payload:
        raise OSError(payload["oserror"], f"{payload.get('message')} (on {where})")
    detail = payload.get("bug") if isinstance(payload, dict) else payload
    raise RemoteError(
        f"the remote nitrodeck failed: {detail}",
        where=where,
        fix="this is a bug in nitrodeck on the remote; report it with the remote's version",
    )
