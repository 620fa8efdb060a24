"""Fixtures for the Nitro platform: fixture hosts, a nitro-cli stand-in on PATH, a fake IMDSv2.

The stand-in is nitrodeck's own nitro-cli front end over the simulator (`tui.cli.nitro_cli`),
a separate program reached through `PATH` exactly as the real nitro-cli is. The fake IMDS
listens on loopback only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fake_imds import FakeImds
from nitro_fixtures import SHAPES, HostState, build_sysroot, install_nitro_cli

from core.platform.nitro.platform import NitroPlatform
from core.platform.nitro.sysfs import SysRoot

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory first on PATH for stand-in programs (nitro-cli, systemctl, journalctl)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", f"{directory}:/usr/bin:/bin")
    return directory


@pytest.fixture
def nitro_cli(bin_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`nitro-cli` on PATH: nitrodeck's nitro-cli front end over an m5.2xlarge simulator."""
    monkeypatch.setenv("NITRODECK_PROFILE", "m5.2xlarge")
    return install_nitro_cli(bin_dir)


@pytest.fixture
def make_root(tmp_path: Path) -> Callable[..., SysRoot]:
    def make(shape: str = "m5.2xlarge", state: HostState | None = None) -> SysRoot:
        root = tmp_path / f"root-{shape}"
        return SysRoot(build_sysroot(root, SHAPES[shape], state))

    return make


@pytest.fixture
def nitro(
    make_root: Callable[..., SysRoot], nitro_cli: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[NitroPlatform]:
    """A NitroPlatform on an m5.2xlarge fixture driving the stand-in; enclaves end at teardown."""
    root = make_root("m5.2xlarge", HostState(pool=(1, 5), pages={(0, 2048): 256}))
    monkeypatch.setenv("NITRODECK_SYSROOT", str(root.root))
    platform = NitroPlatform(sysroot=root)
    yield platform
    platform.terminate_enclave(all_enclaves=True)


@pytest.fixture
def fake_imds(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeImds]:
    fake = FakeImds()
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", fake.url)
    yield fake
    fake.close()
