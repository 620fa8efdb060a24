"""A missing, empty, short or foreign master key stops the local KMS at start, naming the file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import NitrodeckError
from core.home import Home
from core.kms.local.daemon import ensure_local_kms
from core.kms.local.server import LocalKms
from core.kms.local.store import KmsStore


def with_a_key(directory: Path) -> None:
    store = KmsStore(directory)
    store.create_key("0" * 8 + "-0000-0000-0000-" + "0" * 12, "", "{}", os.urandom(32))
    store.close()


def start_error(directory: Path) -> NitrodeckError:
    with pytest.raises(NitrodeckError) as caught:
        LocalKms(home=Home.resolve(), directory=directory)
    return caught.value


def test_first_start_creates_a_private_32_byte_key(tmp_path: Path) -> None:
    KmsStore(tmp_path / "kms").close()
    key = tmp_path / "kms" / "master.key"
    assert len(key.read_bytes()) == 32 and key.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in key.parent.iterdir() if p.name.endswith(".tmp")] == []
    KmsStore(tmp_path / "kms").close()  # and the next start accepts it


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda key: key.unlink(), "is missing but kms.sqlite3 holds keys"),
        (lambda key: key.write_bytes(b""), "is empty"),
        (lambda key: key.write_bytes(os.urandom(16)), "is 16 bytes; it must be exactly 32"),
        (lambda key: key.write_bytes(os.urandom(32)), "does not match kms.sqlite3"),
    ],
)
def test_damaged_master_key_is_a_named_start_error(
    tmp_path: Path, damage: object, words: str
) -> None:
    directory = tmp_path / "kms"
    with_a_key(directory)
    damage(directory / "master.key")  # type: ignore[operator]
    error = start_error(directory)
    assert words in error.what and error.where == str(directory / "master.key") and error.fix


def test_foreign_key_is_caught_on_a_database_from_before_the_check(tmp_path: Path) -> None:
    """A store made before the canary existed is checked against its first key's material."""
    import sqlite3

    directory = tmp_path / "kms"
    with_a_key(directory)
    with sqlite3.connect(directory / "kms.sqlite3") as db:
        db.execute("DROP TABLE master_check")
    (directory / "master.key").write_bytes(os.urandom(32))
    assert "does not match" in start_error(directory).what


def test_kms_serve_says_which_file_without_a_traceback(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with_a_key(home / "kms")
    (home / "kms" / "master.key").write_bytes(b"")
    done = subprocess.run(
        [sys.executable, "-m", "tui", "kms", "serve", "--port", "0"],
        env={**os.environ, "NITRODECK_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert str(home / "kms" / "master.key") in done.stderr and "is empty" in done.stderr
    assert "listening" not in done.stdout


def test_the_daemon_reports_why_it_did_not_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with_a_key(home / "kms")
    (home / "kms" / "master.key").unlink()
    with pytest.raises(NitrodeckError) as caught:
        ensure_local_kms(Home(home))
    assert "did not start" in caught.value.what and "master.key" in caught.value.what
    assert "Traceback" not in caught.value.what
