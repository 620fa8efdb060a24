"""Everything nitrodeck creates under its home is private whatever the umask, and secrets are
replaced atomically (no torn file, no temporary left behind)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.home import Home, create_private_file, ensure_private_dir, write_private_file

# Meant for other users: signed images (shared like any build output) and the simulator's
# root certificate (a trust anchor, public by nature). Both sit inside 0700 directories.
SHAREABLE = {"root.pem"}


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_helpers_ignore_the_umask(tmp_path: Path, open_umask: None) -> None:
    deep = ensure_private_dir(tmp_path / "a" / "b" / "c")
    for directory in (tmp_path / "a", tmp_path / "a" / "b", deep):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    write_private_file(deep / "secret", b"one")
    create_private_file(deep / "db")
    for name in ("secret", "db"):
        assert stat.S_IMODE((deep / name).stat().st_mode) == 0o600


def test_existing_directories_keep_their_mode(tmp_path: Path) -> None:
    shared = tmp_path / "public"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    ensure_private_dir(shared / "home")
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "home").stat().st_mode) == 0o700


def test_secret_replacement_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "master.key"
    write_private_file(target, b"old")

    def crash(src: object, dst: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        write_private_file(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["master.key"]


def test_create_private_file_never_touches_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"data")
    os.chmod(path, 0o640)
    create_private_file(path)
    assert path.read_bytes() == b"data" and stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.slow
def test_a_whole_session_leaves_a_private_home(
    tmp_path: Path, nitrodeck_home: Path, open_umask: None
) -> None:
    """Simulator, an enclave, the local KMS and a demo key, all under umask 000."""
    from core.agent.demo import build_demo_image
    from core.kms.demo import create_demo_key
    from core.kms.local.server import LocalKms
    from core.kms.target import KmsTarget, demo_roles
    from core.platform.base import RunRequest
    from core.platform.sim.launcher import LAUNCH
    from core.platform.sim.platform import SimPlatform

    eif = tmp_path / "demo.eif"
    build_demo_image(eif)
    sim = SimPlatform(home=Home.resolve())
    try:
        sim.run_enclave(RunRequest(eif_path=eif, memory_mib=512, cpu_count=2, enclave_name="d"))
        with LocalKms(home=Home.resolve()) as kms:
            roles = demo_roles(KmsTarget(kms.endpoint, "us-east-1", kms.credentials_path))
            create_demo_key(
                roles.client,
                sim.find_enclave(enclave_name="d"),
                admin=roles.admin,
                decryptor=roles.decryptor,
                home=Home.resolve(),
            )
        wide = []
        for path in [nitrodeck_home, *nitrodeck_home.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if path.is_symlink() or path.name in SHAREABLE or path.suffix == ".eif":
                continue
            if "image" in path.relative_to(nitrodeck_home).parts[:-1] and path.name != LAUNCH:
                continue  # the image's own files keep the modes it gives them (in a 0700 dir)
            private = 0o700 if path.is_dir() or path.is_socket() else 0o600
            if mode & ~private & 0o777:
                wide.append(f"{oct(mode)} {path.relative_to(nitrodeck_home)}")
        assert wide == [], "\n".join(wide)
    finally:
        sim.terminate_enclave(all_enclaves=True)
        sim.close()
