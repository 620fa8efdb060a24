"""Fixtures for remote engines: a session sshd, per-test ssh clients and remote homes."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from sshd_harness import Sshd, find_sshd, remote_command, start_sshd

from core.home import Home


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    binary = find_sshd()
    if binary is None:
        pytest.skip("OpenSSH's sshd is not installed: run `sh scripts/venv.sh dev` as root")
    server = start_sshd(tmp_path_factory.mktemp("sshd"), binary)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ssh_env(sshd: Sshd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """NITRODECK_SSH_COMMAND set to `ssh -F <generated config>`; returns the config's path.

    Aliases: host-a, host-b, host-c reach the sshd; host-hang never answers (its proxy sleeps).
    """
    config = sshd.client(
        tmp_path / "ssh",
        {
            "host-a": "",
            "host-b": "",
            "host-c": "",
            "host-hang": "  ProxyCommand sleep 60\n",
        },
    )
    monkeypatch.setenv("NITRODECK_SSH_COMMAND", f"ssh -F {shlex.quote(str(config))}")
    monkeypatch.setenv("NITRODECK_CONFIG", str(tmp_path / "config.json"))
    monkeypatch.delenv("NITRODECK_HOST", raising=False)
    monkeypatch.delenv("NITRODECK_CONTEXT", raising=False)
    return config


@pytest.fixture(scope="session")
def agent_images(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two versions of the demo agent image (v1, v2): different PCR0s, both answer attest."""
    from core.agent.demo import build_demo_image

    directory = tmp_path_factory.mktemp("images")
    build_demo_image(directory / "agent-v1.eif")
    build_demo_image(directory / "agent-v2.eif", extra_files={"/app/VERSION": b"2"})
    return directory / "agent-v1.eif", directory / "agent-v2.eif"


@pytest.fixture
def remote_homes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Three simulator homes standing for three parents; their enclaves end at teardown.

    Short paths: the simulator's vsock sockets live below them (AF_UNIX paths are limited).
    """
    homes = {name: tmp_path_factory.mktemp(f"r{name}") for name in ("a", "b", "c")}
    yield homes
    from core.kms.local.daemon import stop_local_kms
    from core.platform.sim.platform import SimPlatform

    for home in homes.values():
        stop_local_kms(Home(home))
        if (home / "sim").exists():
            platform = SimPlatform(home=Home(home))
            platform.terminate_enclave(all_enclaves=True)
            platform.close()


@pytest.fixture
def home_a_by_default(
    ssh_env: Path, remote_homes: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """`$NITRODECK_REMOTE_COMMAND` runs nitrodeck with home a (for --host URLs on the CLI)."""
    monkeypatch.setenv("NITRODECK_REMOTE_COMMAND", remote_command(remote_homes["a"]))
    return remote_homes["a"]
