"""The agent's wire protocol: versioned, length-prefixed CBOR frames over one stream socket.

A frame is a big-endian u32 length followed by that many bytes of CBOR. A request is the map
`{"v": 1, "id": int, "op": str, "args": {...}}`; its reply is `{"v": 1, "id": id, "ok": true,
"result": {...}}` or `{"v": 1, "id": id, "ok": false, "error": {"code": str, "message": str}}`.
Frames are capped at `MAX_FRAME` bytes so a hostile peer cannot make either side allocate
without bound, and every read has a deadline so a slow peer cannot hold a thread forever.

Both the agent (inside the enclave) and `core`'s client import this module, so it depends on
nothing but the standard library and cbor2.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cbor2

VERSION = 1
MAX_FRAME = 64 * 1024
HEADER = struct.Struct(">I")

# Error codes carried in `error.code`; clients branch on these, never on the message text.
BAD_FRAME = "bad_frame"
FRAME_TOO_LARGE = "frame_too_large"
TIMEOUT = "timeout"
BAD_REQUEST = "bad_request"
UNSUPPORTED_VERSION = "unsupported_version"
UNKNOWN_OP = "unknown_op"
BAD_ARGS = "bad_args"
NOT_FOUND = "not_found"
NSM_ERROR = "nsm_error"
DECRYPT_FAILED = "decrypt_failed"
BUSY = "busy"
INTERNAL = "internal"
REFUSED = "refused"

# `attest` binds only these caller fields. A public key in a document is a promise that its
# private half lives inside the enclave (KMS encrypts `CiphertextForRecipient` to it), so the
# agent binds only keys it generated itself (`recipient_key`), never one the parent supplies.
ATTEST_FIELDS = ("nonce", "user_data")
PUBLIC_KEY_REFUSED = (
    "attest does not take a public_key: a document carrying a key the parent chose would make "
    "the parent the KMS Recipient (KMS encrypts CiphertextForRecipient to that key, so whoever "
    "holds its private half reads secrets pinned to this enclave's PCRs). Only the agent's own "
    "ephemeral keys go into documents: use recipient_key for the KMS Recipient flow"
)


# `recipient_decrypt` never sends out a bare digest of the plaintext: a short secret (a PIN, a
# password) would be brute-forced from it by whoever reads the reply. It returns the length and,
# only when the caller passes a proof key (16..64 bytes the operator holds), HMAC-SHA256 of the
# plaintext under that key: proof that the right secret arrived, useless without the key. The key
# comes as `sealed_proof_key`, sealed to the handle's recipient key (`recipient.seal_to`): the
# parent relays these bytes, and with the key in the clear it could check guesses as before.
PROOF_ALG = "HMAC-SHA256"
PROOF_KEY_MIN, PROOF_KEY_MAX = 16, 64
SEALED_MAX = 512  # an RSA-2048 OAEP block is 256 bytes
DECRYPT_FIELDS = ("handle", "ciphertext", "sealed_proof_key")


def proof_key_problem(value: object) -> str | None:
    """Why `value` cannot be a proof key, or None (shared by the agent and `core`'s client)."""
    if not isinstance(value, bytes | bytearray):
        return f"'proof_key' must be a byte string, not {type(value).__name__}"
    if not PROOF_KEY_MIN <= len(value) <= PROOF_KEY_MAX:
        return (
            f"'proof_key' is {len(value)} bytes; it must be {PROOF_KEY_MIN}..{PROOF_KEY_MAX} "
            "random bytes (a guessable key would make the proof guessable)"
        )
    return None


def attest_args_problem(args: Mapping[str, Any]) -> tuple[str, str] | None:
    """(error code, message) when `attest` args ask for more than a nonce and user data."""
    if "public_key" in args:
        return REFUSED, PUBLIC_KEY_REFUSED
    extra = sorted(str(name) for name in args if name not in ATTEST_FIELDS)
    if extra:
        return BAD_ARGS, f"attest takes only {', '.join(ATTEST_FIELDS)}; unexpected: {extra}"
    return None


class ProtocolError(Exception):
    """A frame or message that breaks the protocol; `fatal` means the stream is unusable."""

    def __init__(self, code: str, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fatal = fatal


@dataclass(frozen=True)
class Request:
    id: int
    op: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    id: int
    ok: bool
    result: dict[str, Any] = field(default_factory=dict)
    error_code: str = ""
    error_message: str = ""


def encode_frame(message: Mapping[str, Any], *, max_size: int = MAX_FRAME) -> bytes:
    """CBOR-encode `message` behind its length; refuse what the peer would refuse to read."""
    body = cbor2.dumps(dict(message))
    if len(body) > max_size:
        raise ProtocolError(
            FRAME_TOO_LARGE, f"message of {len(body)} bytes exceeds the {max_size}-byte frame limit"
        )
    return HEADER.pack(len(body)) + body


def send_message(sock: socket.socket, message: Mapping[str, Any]) -> None:
    sock.sendall(encode_frame(message))


def _recv_exact(sock: socket.socket, size: int, deadline: float | None, what: str) -> bytes:
    """Read exactly `size` bytes before `deadline` (monotonic); b"" on EOF before the first."""
    chunks: list[bytes] = []
    received = 0
    while received < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProtocolError(TIMEOUT, f"timed out reading the {what}", fatal=True)
            sock.settimeout(remaining)
        try:
            chunk = sock.recv(min(size - received, 65536))
        except TimeoutError as error:
            raise ProtocolError(TIMEOUT, f"timed out reading the {what}", fatal=True) from error
        if not chunk:
            if received == 0 and what == "frame header":
                return b""
            raise ProtocolError(
                BAD_FRAME,
                f"connection closed after {received} of {size} bytes of the {what}",
                fatal=True,
            )
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)


def recv_message(
    sock: socket.socket,
    *,
    max_size: int = MAX_FRAME,
    idle_timeout: float | None = None,
    frame_timeout: float | None = None,
) -> dict[str, Any] | None:
    """Read one frame and decode it to a map; None on a clean EOF between frames.

    `idle_timeout` bounds the wait for a frame to start; `frame_timeout` bounds the whole frame
    once its first byte has arrived (the slowloris guard). Raises `ProtocolError`.
    """
    first = _recv_exact(
        sock, 1, None if idle_timeout is None else time.monotonic() + idle_timeout, "frame header"
    )
    if not first:
        return None
    deadline = None if frame_timeout is None else time.monotonic() + frame_timeout
    header = first + _recv_exact(sock, HEADER.size - 1, deadline, "frame header rest")
    (length,) = HEADER.unpack(header)
    if length > max_size:
        raise ProtocolError(
            FRAME_TOO_LARGE,
            f"frame of {length} bytes exceeds the {max_size}-byte limit",
            fatal=True,
        )
    body = _recv_exact(sock, length, deadline, "frame body")
    return decode_body(body)


def decode_body(body: bytes) -> dict[str, Any]:
    """Decode one frame's CBOR; the frame boundary is intact, so errors here are not fatal."""
    try:
        value = cbor2.loads(body)
    except (RecursionError, MemoryError, Exception) as error:  # cbor2 raises many types
        raise ProtocolError(BAD_FRAME, f"frame is not valid CBOR: {error}") from None
    if not isinstance(value, dict):
        raise ProtocolError(BAD_FRAME, f"frame must hold a CBOR map, found {type(value).__name__}")
    return value


def _int_id(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
        return value
    return None


def request_id_of(message: Mapping[str, Any]) -> int:
    """The request id to echo in an error reply, or 0 when the message has no usable one."""
    return _int_id(message.get("id")) or 0


def make_request(request_id: int, op: str, args: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"v": VERSION, "id": request_id, "op": op, "args": dict(args or {})}


def parse_request(message: Mapping[str, Any]) -> Request:
    """Validate a decoded request map; raises `ProtocolError` naming the bad field."""
    if message.get("v") != VERSION:
        raise ProtocolError(
            UNSUPPORTED_VERSION, f"protocol version {message.get('v')!r} is not supported (use 1)"
        )
    request_id = _int_id(message.get("id"))
    if request_id is None:
        raise ProtocolError(BAD_REQUEST, "field 'id' must be an integer in 0..2^63-1")
    op = message.get("op")
    if not isinstance(op, str) or not op:
        raise ProtocolError(BAD_REQUEST, "field 'op' must be a non-empty string")
    args = message.get("args", {})
    if not isinstance(args, dict) or not all(isinstance(k, str) for k in args):
        raise ProtocolError(BAD_REQUEST, "field 'args' must be a map with string keys")
    return Request(request_id, op, args)


def ok_reply(request_id: int, result: Mapping[str, Any]) -> dict[str, Any]:
    return {"v": VERSION, "id": request_id, "ok": True, "result": dict(result)}


def error_reply(request_id: int, code: str, message: str) -> dict[str, Any]:
    return {
        "v": VERSION,
        "id": request_id,
        "ok": False,
        "error": {"code": code, "message": message},
    }


def parse_reply(message: Mapping[str, Any]) -> Reply:
    """Validate a decoded reply map (client side); raises `ProtocolError`."""
    if message.get("v") != VERSION:
        raise ProtocolError(UNSUPPORTED_VERSION, f"reply has protocol version {message.get('v')!r}")
    request_id = _int_id(message.get("id"))
    ok = message.get("ok")
    if request_id is None or not isinstance(ok, bool):
        raise ProtocolError(BAD_REQUEST, "reply lacks an integer 'id' or a boolean 'ok'")
    if ok:
        result = message.get("result", {})
        if not isinstance(result, dict):
            raise ProtocolError(BAD_REQUEST, "reply 'result' must be a map")
        return Reply(request_id, True, result)
    error = message.get("error")
    if not isinstance(error, dict):
        raise ProtocolError(BAD_REQUEST, "error reply lacks its 'error' map")
    return Reply(
        request_id, False, {}, str(error.get("code", INTERNAL)), str(error.get("message", ""))
    )
