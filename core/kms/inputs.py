"""What a KMS request is asked with, from the command line or a form: ciphertext files and
encryption context pairs. Plain values in, typed errors out; no argparse, no widgets."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from pathlib import Path

from core.errors import UsageError
from core.input_files import read_input


def encryption_context(
    pairs: Iterable[str], *, where: str = "--encryption-context"
) -> dict[str, str] | None:
    """`K=V` pairs as KMS's EncryptionContext (None when there are none)."""
    context: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{pair!r} is not K=V", where=where, fix="e.g. purpose=demo")
        context[key] = value
    return context or None


def read_blob(path: Path) -> bytes:
    """A ciphertext file: raw bytes, or the base64 text `aws kms encrypt` prints."""
    data = read_input(path, "--ciphertext-file")
    if not data:
        raise UsageError("the file is empty", where=str(path))
    try:
        return base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        return data
