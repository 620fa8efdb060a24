"""Accept an attestation document as raw bytes, base64 or hex, whichever the user has.

Documents travel as raw CBOR (the NSM's output), base64 (JSON APIs, KMS requests) or hex (test
fixtures). A COSE_Sign1 starts with 0x84 (array of 4) or 0xD2 (tag 18), which is not a printable
character, so raw input is recognised by its first byte; text is tried as hex first because every
hex string is also valid base64 but not the other way round.
"""

from __future__ import annotations

import base64
import binascii
import re

from core.attestation.errors import AttestationError

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
