"""User data under racing processes: real `nitrodeck` processes and real first starts of the
local KMS store, all let go at once. Nothing written by one may be lost to another, a corrupt
settings file is refused and kept, and a fresh home gets exactly one master key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.home import create_file_once, update_file

ROOT = Path(__file__).resolve().parents[1]
NITRODECK = [sys.executable, "-m", "tui"]


def _env(config: Path, home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "NITRODECK_CONFIG": str(config),
        "NITRODECK_HOME": str(home),
        "PYTHONPATH": str(ROOT),
    }


def _together(commands: list[list[str]], env: dict[str, str], go: Path) -> list[tuple[int, str]]:
    """Start every command, each waiting for `go` to appear, then let them all go at once."""
    wait = f"import os,time,runpy,sys\nwhile not os.path.exists({str(go)!r}): time.sleep(0.002)\n"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", wait + command[0], *command[1:]],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for command in commands
    ]
    time.sleep(0.5)  # every interpreter up and polling
    go.touch()
    return [(p.wait(timeout=120), p.communicate()[0]) for p in procs]


def _cli(*args: str) -> list[str]:
    """A `nitrodeck` invocation for `_together` (the same entry point as `python -m tui`)."""
    return [
        "sys.argv = ['nitrodeck', *sys.argv[1:]]; runpy.run_module('tui', run_name='__main__')",
        *args,
    ]


def test_sixteen_parallel_ctx_adds_all_land(tmp_path: Path) -> None:
    config = tmp_path / "config" / "config.json"
    env = _env(config, tmp_path / "home")
    names = [f"ctx{i:02d}" for i in range(16)]
    adds = [
        _cli("ctx", "add", name, "--host", f"ssh://ec2-user@10.0.0.{i}")
        for i, name in enumerate(names)
    ]
    results = _together(adds, env, tmp_path / "go")
    assert [code for code, _ in results] == [0] * 16, [out for code, out in results if code]
    contexts = json.loads(config.read_text())["contexts"]
    assert sorted(contexts) == names
    assert contexts["ctx07"]["host"] == "ssh://ec2-user@10.0.0.7"
    assert [p.name for p in config.parent.iterdir() if p.name.endswith(".tmp")] == []
    assert config.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "damage", [b'{"contexts": {"prod": {"host": "ssh://', b"[1, 2]", b"\xff\xfe"]
)
def test_a_corrupt_settings_file_is_refused_and_kept(tmp_path: Path, damage: bytes) -> None:
    config = tmp_path / "config.json"
    config.write_bytes(damage)
    done = subprocess.run(
        [*NITRODECK, "ctx", "add", "lab", "--home", str(tmp_path / "lab")],
        env=_env(config, tmp_path / "home"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert str(config) in done.stderr and "nothing was changed" in done.stderr
    assert "Traceback" not in done.stderr
    assert config.read_bytes() == damage


def test_update_file_leaves_the_file_alone_when_the_change_refuses(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_bytes(b"kept")

    def refuse(current: bytes | None) -> bytes:
        raise ValueError(current)

    with pytest.raises(ValueError):
        update_file(path, refuse)
    assert path.read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".data.json.lock", "data.json"]


def test_create_file_once_keeps_the_first(tmp_path: Path) -> None:
    path = tmp_path / "once"
    assert create_file_once(path, lambda: b"first") == b"first"
    assert create_file_once(path, lambda: b"second") == b"first"
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["once"]


STORE = """
from pathlib import Path
from core.kms.local.store import KmsStore
store = KmsStore(Path(sys.argv[1]))
store.create_key(sys.argv[2], "", "{{}}", sys.argv[2].encode())
store.close()
"""


def test_parallel_first_starts_share_one_master_key(tmp_path: Path) -> None:
    """Eight first starts of the local KMS store on one fresh home, each sealing a key under the
    master key it got: every key must open afterwards (two master keys would lose some)."""
    from core.kms.local.store import KmsStore

    directory = tmp_path / "kms"
    ids = [f"{i:08d}-0000-4000-8000-000000000000" for i in range(8)]
    results = _together(
        [[STORE.format(), str(directory), key] for key in ids],
        _env(tmp_path / "c", tmp_path),
        tmp_path / "go",
    )
    assert [code for code, _ in results] == [0] * 8, [out for code, out in results if code]
    store = KmsStore(directory)
    try:
        assert {key: store.material(key) for key in ids} == {key: key.encode() for key in ids}
    finally:
        store.close()
    assert sorted(p.name for p in directory.iterdir() if "master" in p.name) == ["master.key"]
