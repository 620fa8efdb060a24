"""Copying images to a remote: two copies of one image at the same time both land intact."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from core.home import Home
from core.remote.images import CHUNK, file_sha256
from core.remote.target import Target, open_target

pytestmark = pytest.mark.slow


def test_parallel_copies_of_one_image_do_not_collide(tmp_path: Path) -> None:
    """As two `--host ssh://… run-enclave` of the same image do: each its own session."""
    image = tmp_path / "app.eif"
    image.write_bytes(os.urandom(8 * CHUNK + 123))
    target = Target(name="remote", home=str(tmp_path / "home"))
    platforms = [open_target(target, home=Home.resolve()) for _ in range(3)]
    try:
        with ThreadPoolExecutor(max_workers=3) as pool:
            staged = list(pool.map(lambda p: p.stage_image(image), platforms))
    finally:
        for platform in platforms:
            platform.close()
    assert len(set(staged)) == 1
    assert file_sha256(staged[0]) == file_sha256(image)
    leftovers = list((tmp_path / "home" / "images" / "staged").glob("*.part"))
    assert leftovers == []


def test_abandoned_copies_are_removed_when_a_new_one_begins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.remote import images

    monkeypatch.setenv("NITRODECK_HOME", str(tmp_path))
    sha = "ab" * 32
    old, fresh = images.begin(sha), images.begin(sha)
    week_ago = time.time() - 7 * 24 * 3600
    os.utime(images.staged_dir() / old, (week_ago, week_ago))
    new = images.begin(sha)
    left = {p.name for p in images.staged_dir().glob("*.part")}
    assert left == {fresh, new}
