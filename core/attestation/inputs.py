"""Accept an attestation document as raw bytes, base64 or hex, whichever the user has; and the
other values a verification is asked with (hex fields, a verification time), for the command
line and the app alike.

Documents travel as raw CBOR (the NSM's output), base64 (JSON APIs, KMS requests) or hex (test
fixtures). A COSE_Sign1 starts with 0x84 (array of 4) or 0xD2 (tag 18), which is not a printable
character, so raw input is recognised by its first byte; text is tried as hex first because every
hex string is also valid base64 but not the other way round.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.attestation.document import OPTIONAL_FIELD_MAX
from core.attestation.errors import AttestationError
from core.errors import UsageError
from core.input_files import InputFileError

COSE_FIRST_BYTES = (0x84, 0xD2)
_HEX = re.compile(rb"(?:0x)?([0-9a-fA-F]+)")
_BASE64 = re.compile(rb"[A-Za-z0-9+/_-]+={0,2}")
_WHITESPACE = re.compile(rb"\s+")


def _looks_like_cose(data: bytes) -> bool:
    return bool(data) and data[0] in COSE_FIRST_BYTES


def _from_hex(text: bytes) -> bytes | None:
    match = _HEX.fullmatch(text)
    if match is None or len(match.group(1)) % 2:
        return None
    return bytes.fromhex(match.group(1).decode("ascii"))


def _from_base64(text: bytes) -> bytes | None:
    if _BASE64.fullmatch(text) is None:
        return None
    padded = text.rstrip(b"=") + b"=" * (-len(text.rstrip(b"=")) % 4)
    try:
        if b"-" in padded or b"_" in padded:
            return base64.urlsafe_b64decode(padded)
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_document_input(data: bytes) -> bytes:
    """The raw COSE_Sign1 bytes behind `data` (raw, base64 or hex); else `AttestationError`."""
    if _looks_like_cose(data):
        return bytes(data)
    text = _WHITESPACE.sub(b"", bytes(data))
    tried: list[str] = []
    for name, decode in (("hex", _from_hex), ("base64", _from_base64)):
        decoded = decode(text)
        if decoded is None:
            continue
        if _looks_like_cose(decoded):
            return decoded
        tried.append(f"it decodes as {name} but the result starts with 0x{decoded[:1].hex()}")
    first = f"0x{bytes(data[:1]).hex()}" if data else "nothing (the input is empty)"
    detail = "; ".join(tried) if tried else "it is neither hex nor base64 text"
    raise AttestationError(
        f"not an attestation document: raw documents start with 0x84 or 0xD2, this starts "
        f"with {first}, and {detail}",
        where="input",
        fix="pass the COSE_Sign1 bytes the NSM returned, or their base64 or hex encoding",
    )


def read_document(source: str) -> bytes:
    """The raw document from a file (or `-` for stdin), in any of the accepted encodings; a file
    that cannot be read is E19, as in every command."""
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        raise InputFileError(
            f"cannot read the document: {error.strerror}",
            where=source,
            fix="name a file holding the document (raw, base64 or hex), or - for stdin",
        ) from None
    return decode_document_input(data)


def parse_hex(
    name: str, text: str | None, *, limit: int | None = OPTIONAL_FIELD_MAX
) -> bytes | None:
    """A nonce, user data or public key: hex (an optional 0x) of at most `limit` bytes (None: no
    limit), as NSM accepts; None or empty text means none."""
    text = (text or "").strip().removeprefix("0x")
    if not text:
        return None
    try:
        value = bytes.fromhex(text)
    except ValueError:
        raise UsageError(
            f"{name} {text[:20]!r} is not hex", where=name, fix=f"e.g. {name} c0ffee"
        ) from None
    if limit is not None and len(value) > limit:
        raise UsageError(f"{name} is {len(value)} bytes; NSM takes at most {limit}", where=name)
    return value


def parse_time(text: str, *, where: str = "--at") -> datetime:
    """A verification time: Unix milliseconds, or ISO 8601 (naive means UTC)."""
    try:
        if text.isdigit():
            return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(text))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError):
        raise UsageError(
            f"{where} {text!r} is neither ISO 8601 nor Unix milliseconds",
            fix="e.g. 2024-11-30T16:22:48Z or 1732983768387",
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
