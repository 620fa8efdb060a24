"""What a KMS request is asked with, from the command line or a form: ciphertext files,
encryption context pairs and proof keys. Plain values in, typed errors out; no argparse, no
widgets."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from pathlib import Path

from core.errors import NitrodeckError, UsageError
from core.input_files import read_input
from enclave_agent.protocol import proof_key_problem


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


PROOF_KEY_FIX = (
    "make one with `head -c 32 /dev/urandom > proof.key` (keep it from whoever must not learn "
    "the secret) and pass --proof-key @proof.key"
)


def proof_key(text: str, *, where: str = "--proof-key") -> bytes:
    """`HEX`, or `@FILE` holding the key as hex text or raw bytes: 16..64 random bytes.

    `@FILE` keeps the key out of the process list and the shell's history."""
    if text.startswith("@"):
        path = Path(text[1:]).expanduser()
        try:
            data = path.read_bytes()
        except OSError as error:
            raise NitrodeckError(
                f"cannot read the proof key: {error.strerror}", where=str(path), fix=PROOF_KEY_FIX
            ) from None
        where = str(path)
        try:
            key = bytes.fromhex(data.decode("ascii").strip())
        except (UnicodeDecodeError, ValueError):
            key = data
    else:
        try:
            key = bytes.fromhex(text.strip())
        except ValueError:
            raise UsageError(
                "the proof key is neither hex nor @FILE", where=where, fix=PROOF_KEY_FIX
            ) from None
    problem = proof_key_problem(key)
    if problem is not None:
        raise UsageError(
            problem.replace("'proof_key'", "the proof key"), where=where, fix=PROOF_KEY_FIX
        )
    return key
