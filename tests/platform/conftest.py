"""Fixtures for the simulator's process-level tests: real EIFs and a platform that cleans up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.eif import build_eif
from core.home import Home
from core.platform.sim.platform import SimPlatform

PRINTER = """#!/bin/sh
echo "hello from the enclave"
i=0
while [ $i -lt 5 ]; do echo "line $i"; i=$((i+1)); done
echo "err line" >&2
exec sleep 600
"""

QUICK = """#!/bin/sh
echo "bye"
"""

ECHO = """
import os, socket, sys
from enclave_agent import transport

server = transport.listen(5000)
print("listening on 5000 in CID", os.environ["NITRODECK_ENCLAVE_CID"], flush=True)
try:
    with transport.connect(transport.VMADDR_CID_HOST, 8000, timeout=2) as up:
        up.sendall(b"hello parent")
except ConnectionRefusedError:
    print("parent not listening", flush=True)
while True:
    conn, _ = server.accept()
    with conn:
        while data := conn.recv(4096):
            conn.sendall(data.upper())
"""


def _build(directory: Path, name: str, files: dict[str, str], cmd: list[str]) -> Path:
    rootfs = directory / f"{name}-rootfs"
    for rel, text in files.items():
        target = rootfs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        target.chmod(0o755)
    _, path = build_eif(
        rootfs=rootfs,
        output=directory / f"{name}.eif",
        name=name,
        version="1.0",
        cmd=cmd,
        env=["PATH=/usr/local/bin:/usr/bin:/bin", "GREETING=hi"],
    )
    return path


@pytest.fixture(scope="session")
def eifs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three real EIFs: a shell printer, a shell one-liner that exits, a python vsock echo."""
    d = tmp_path_factory.mktemp("eifs")
    return {
        "printer": _build(d, "printer", {"app/run.sh": PRINTER}, ["/app/run.sh"]),
        "quick": _build(d, "quick", {"app/run.sh": QUICK}, ["/app/run.sh"]),
        "echo": _build(d, "echo", {"app/echo.py": ECHO}, ["python3", "/app/echo.py"]),
    }


@pytest.fixture
def make_sim() -> Iterator[Callable[[str], SimPlatform]]:
    """SimPlatforms for profiles; every enclave they know of is terminated at teardown."""
    made: list[SimPlatform] = []

    def make(profile: str = "m5.2xlarge") -> SimPlatform:
        platform = SimPlatform(profile, boot_timeout=30, home=Home.resolve())
        made.append(platform)
        return platform

    yield make
    for platform in made:
        platform.terminate_enclave(all_enclaves=True)
        platform.close()


@pytest.fixture
def sim(make_sim: Callable[[str], SimPlatform]) -> SimPlatform:
    return make_sim("m5.2xlarge")
