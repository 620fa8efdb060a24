"""The vendored test vectors (`tests/vectors/`) and the check that they are the bytes we vetted.

Every data file there is listed in `manifest.json` with its SHA-256 and size. A file that was
edited, truncated, line-ending-converted by git, left out of the manifest or missing from the
tree is a broken fixture, not a skippable one: `check_vectors` names each such file so the
suite can fail on it before any test trusts the bytes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parent / "vectors"
MANIFEST = "manifest.json"
UNHASHED = frozenset({MANIFEST, "README.md"})  # the descriptions themselves


class VectorMismatch(AssertionError):
    """The vendored vectors are not the ones the manifest vouches for."""


def load_manifest(directory: Path = VECTORS) -> dict[str, Any]:
    """`manifest.json` as a dict keyed by file name."""
    loaded: dict[str, Any] = json.loads((directory / MANIFEST).read_text())
    return loaded


def check_vectors(directory: Path = VECTORS) -> dict[str, Any]:
    """The manifest, once every listed file matches its SHA-256 and size and none is unlisted."""
    if not (directory / MANIFEST).is_file():
        raise VectorMismatch(f"{directory / MANIFEST} is missing: the vectors cannot be checked")
    manifest = load_manifest(directory)
    problems = []
    for name, entry in manifest.items():
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"] or len(data) != entry["size"]:
            problems.append(
                f"{name}: SHA-256 {digest} ({len(data)} bytes), "
                f"manifest says {entry['sha256']} ({entry['size']} bytes)"
            )
    unlisted = sorted(p.name for p in directory.iterdir() if p.name not in manifest)
    problems += [f"{name}: not listed in the manifest" for name in unlisted if name not in UNHASHED]
    if problems:
        raise VectorMismatch(
            f"the test vectors in {directory} do not match {MANIFEST}:\n  "
            + "\n  ".join(problems)
            + "\nrestore them with `git checkout -- tests/vectors` (a new vector needs a "
            "manifest entry saying where it came from and its SHA-256)"
        )
    return manifest
