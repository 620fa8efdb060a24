"""Copying an image to the remote before it runs there (run-enclave, rollout).

The operator names a file on their own machine; the remote keeps a copy under its home,
addressed by SHA-256 so a second run or a second wave does not copy again, and checked
against that hash before use (a half-copied or altered file is never run). Each copy writes
its own part file, so copies of one image at the same time do not collide.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.home import ensure_private_dir
from core.remote.served import served_home

CHUNK = 1 << 20
STALE_PART = 24 * 3600  # seconds without a write after which a part file is abandoned
_SHA = re.compile(r"^[0-9a-f]{64}$")
_UPLOAD = re.compile(r"^[0-9a-f]{64}\.[A-Za-z0-9_]+\.part$")


def file_sha256(path: Path) -> str:
    import hashlib  # here: OpenSSL's bindings cost every `serve --stdio` start otherwise

    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# remote side ----------------------------------------------------------------------------
def staged_dir() -> Path:
    return served_home().images_dir / "staged"


def _checked(sha256: str) -> str:
    if not _SHA.match(sha256):
        raise NitrodeckError(f"{sha256!r} is not a SHA-256 in hex", where="image copy")
    return sha256


def _final(sha256: str, name: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", Path(name).name) or "image.eif"
    return staged_dir() / _checked(sha256) / safe


def has_image(sha256: str, name: str) -> str | None:
    """The staged copy's path when one with this hash is already here, else None."""
    path = _final(sha256, name)
    if path.exists() and file_sha256(path) == sha256:
        return str(path)
    return None


def begin(sha256: str) -> str:
    """A new upload of the image `sha256`: its own part file, so copies of the same image
    running at once (parallel `run-enclave`s, a wave of members on one host) never mix."""
    ensure_private_dir(staged_dir())
    _drop_stale_parts()
    fd, path = tempfile.mkstemp(prefix=f"{_checked(sha256)}.", suffix=".part", dir=staged_dir())
    os.close(fd)
    return Path(path).name


def _drop_stale_parts() -> None:
    """Remove copies abandoned mid-way (a dropped connection) once nobody can still be writing."""
    now = time.time()
    for part in staged_dir().glob("*.part"):
        with contextlib.suppress(OSError):
            if now - part.stat().st_mtime > STALE_PART:
                part.unlink()


def _part(upload: str) -> Path:
    if not _UPLOAD.match(upload):
        raise NitrodeckError(f"{upload!r} is not an upload this side began", where="image copy")
    return staged_dir() / upload


def put_chunk(upload: str, offset: int, data: bytes) -> int:
    with _part(upload).open("r+b") as stream:
        stream.seek(offset)
        stream.write(data)
    return offset + len(data)


def finish(upload: str, sha256: str, name: str) -> str:
    part = _part(upload)
    got = file_sha256(part)
    if got != sha256:
        part.unlink(missing_ok=True)
        raise NitrodeckError(
            f"the copied image's SHA-256 is {got}, not {sha256}",
            where="image copy",
            fix="run the command again; the copy was damaged on the way",
        )
    final = _final(sha256, name)
    ensure_private_dir(final.parent)
    os.replace(part, final)  # a copy finished at the same time holds the same bytes
    return str(final)


# client side ----------------------------------------------------------------------------
def stage(call: Callable[..., Any], path: Path) -> str:
    """Copy `path` to the remote (unless it has it already); return the remote's path."""
    sha256 = file_sha256(path)
    found = call("image.has", sha256, path.name)
    if found:
        return str(found)
    upload = call("image.begin", sha256)
    offset = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            offset = call("image.put", upload, offset, chunk)
    return str(call("image.finish", upload, sha256, path.name))
