"""Ciphertext blobs that only this local KMS can open.

Layout (version 1): `b"NDK"` ‖ version (1 byte) ‖ key-id length (1 byte) ‖ key id (ASCII)
‖ 12-byte nonce ‖ AES-256-GCM ciphertext+tag. Version 2, for keys whose material has been
rotated, adds the 4-byte big-endian material version after the key id; a key's original material
(version 0) still writes version 1, so every blob ever made opens. The header and the canonical
JSON of the encryption context are the GCM associated data, so a blob cannot be moved to another
key, nor opened with another encryption context, without failing authentication (like KMS, which
also binds the context without storing it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.kms.local.errors import invalid_ciphertext

MAGIC = b"NDK"
VERSION = 1
ROTATED = 2
NONCE_BYTES = 12
TAG_BYTES = 16


@dataclass(frozen=True)
class BlobHeader:
    key_id: str
    nonce: bytes
    raw: bytes
    material_version: int = 0


def _context_aad(context: Mapping[str, str] | None) -> bytes:
    return json.dumps(dict(context or {}), sort_keys=True, separators=(",", ":")).encode()


def seal(
    material: bytes,
    key_id: str,
    plaintext: bytes,
    context: Mapping[str, str] | None,
    material_version: int = 0,
) -> bytes:
    """Encrypt `plaintext` under a key's material, binding key id, material version and
    encryption context."""
    encoded_id = key_id.encode("ascii")
    nonce = os.urandom(NONCE_BYTES)
    header = MAGIC + bytes([ROTATED if material_version else VERSION, len(encoded_id)])
    header += encoded_id + (material_version.to_bytes(4, "big") if material_version else b"")
    header += nonce
    return header + AESGCM(material).encrypt(nonce, plaintext, header + _context_aad(context))


def read_header(blob: bytes) -> BlobHeader:
    """The key id and nonce of a blob (raises InvalidCiphertextException if it is not ours)."""
    if len(blob) < len(MAGIC) + 2 or blob[: len(MAGIC)] != MAGIC or blob[3] not in (1, 2):
        raise invalid_ciphertext()
    id_length = blob[4]
    version_bytes = 4 if blob[3] == ROTATED else 0
    end = 5 + id_length + version_bytes + NONCE_BYTES
    if len(blob) < end + TAG_BYTES:
        raise invalid_ciphertext()
    try:
        key_id = blob[5 : 5 + id_length].decode("ascii")
    except UnicodeDecodeError:
        raise invalid_ciphertext() from None
    version = int.from_bytes(blob[5 + id_length : 5 + id_length + version_bytes], "big")
    if blob[3] == ROTATED and version == 0:
        raise invalid_ciphertext()  # version 0 is always written as a version-1 blob
    return BlobHeader(key_id, blob[end - NONCE_BYTES : end], blob[:end], version)


def open_blob(material: bytes, blob: bytes, context: Mapping[str, str] | None) -> bytes:
    """Decrypt a blob made by `seal` with the material of its header's version
    (InvalidCiphertextException on any mismatch)."""
    header = read_header(blob)
    try:
        return AESGCM(material).decrypt(
            header.nonce, blob[len(header.raw) :], header.raw + _context_aad(context)
        )
    except InvalidTag:
        raise invalid_ciphertext() from None
