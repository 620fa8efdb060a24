"""An agent server on loopback TCP (port 0) over an in-memory NSM with the NSM's PCR rules."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cbor2
import pytest

from core.home import Home
from enclave_agent.ops import AgentOps
from enclave_agent.server import AgentServer, Limits


class FakeNsmError(Exception):
    pass


class FakeNsm:
    def __init__(self) -> None:
        self.pcrs = [bytes(48)] * 32
        self.locked = set(range(16))
        self.calls: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def describe_nsm(self) -> dict[str, Any]:
        return {
            "version_major": 1,
            "version_minor": 0,
            "version_patch": 0,
            "module_id": "i-0123456789abcdef0-enc0123456789abcdef",
            "max_pcrs": 32,
            "locked_pcrs": sorted(self.locked),
            "digest": "SHA384",
        }

    def describe_pcr(self, index: int) -> dict[str, Any]:
        return {"lock": index in self.locked, "data": self.pcrs[index]}

    def extend_pcr(self, index: int, data: bytes) -> bytes:
        with self._lock:
            if index in self.locked:
                raise FakeNsmError("ReadOnlyIndex")
            self.pcrs[index] = hashlib.sha384(self.pcrs[index] + data).digest()
            return self.pcrs[index]

    def lock_pcr(self, index: int) -> None:
        self.locked.add(index)

    def attestation(
        self,
        user_data: bytes | None = None,
        nonce: bytes | None = None,
        public_key: bytes | None = None,
    ) -> bytes:
        self.calls.append(("attestation", (user_data, nonce, public_key)))
        # Not a signed document: the fields are what these tests look at.
        return cbor2.dumps({"user_data": user_data, "nonce": nonce, "public_key": public_key})

    def get_random(self) -> bytes:
        return os.urandom(256)


@dataclass
class Running:
    server: AgentServer
    nsm: FakeNsm
    address: tuple[str, int]
    log: list[str]

    def connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=10)
        return sock


@pytest.fixture
def start_agent() -> Iterator[Callable[..., Running]]:
    started: list[AgentServer] = []

    def start(limits: Limits | None = None, **ops_kwargs: object) -> Running:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(32)
        nsm = FakeNsm()
        log: list[str] = []
        server = AgentServer(listener, AgentOps(nsm, **ops_kwargs), limits, log=log.append)  # type: ignore[arg-type]
        server.start()
        started.append(server)
        return Running(server, nsm, listener.getsockname(), log)

    yield start
    for server in started:
        server.close()


@pytest.fixture
def agent(start_agent: Callable[..., Running]) -> Running:
    return start_agent(Limits(frame_timeout=0.5, max_connections=8))


# --- the agent over a real simulated NSM device (signed documents), and the local KMS -------

PCR0 = hashlib.sha384(b"demo image").digest()
SIM_MEASUREMENTS = {
    0: PCR0,
    1: hashlib.sha384(b"kernel").digest(),
    2: hashlib.sha384(b"app").digest(),
}


@pytest.fixture
def start_sim_agent(nitrodeck_home: Path) -> Iterator[Callable[..., Running]]:
    """`start(debug=False)`: an agent whose NSM is `core.nsm`'s simulated device over its socket."""
    from core.nsm.device import SimulatedNsm
    from core.nsm.pki import SimPki
    from core.nsm.server import start_nsm_server
    from enclave_agent.nsm import NsmClient, SimNsmDevice

    stack = contextlib.ExitStack()
    short = Path(tempfile.mkdtemp(prefix="nsm", dir="/tmp"))
    stack.callback(shutil.rmtree, short, True)

    def start(debug: bool = False, **ops_kwargs: object) -> Running:
        device = SimulatedNsm(
            SimPki.load_or_create(nitrodeck_home),
            measurements=SIM_MEASUREMENTS,
            debug=debug,
            instance_id="i-0123456789abcdef0",
            role_arn=None,
            enclave_uid=7 + len(stack._exit_callbacks),
        )
        path = short / f"nsm{len(stack._exit_callbacks)}"
        stack.enter_context(start_nsm_server(device, path))
        nsm = stack.enter_context(NsmClient(SimNsmDevice(path)))
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        log: list[str] = []
        server = AgentServer(listener, AgentOps(nsm, **ops_kwargs), None, log=log.append)  # type: ignore[arg-type]
        server.start()
        stack.callback(server.close)
        return Running(server, nsm, listener.getsockname(), log)  # type: ignore[arg-type]

    with stack:
        yield start


@pytest.fixture
def local_kms(nitrodeck_home: Path) -> Iterator[tuple[Any, list[str]]]:
    """The local KMS in process (its log lines collected) and a boto3 client for it."""
    from core.kms.local.server import LocalKms
    from core.kms.target import KmsTarget, boto3_client

    log: list[str] = []
    with LocalKms(home=Home.resolve(), directory=nitrodeck_home / "kms", log=log.append) as kms:
        target = KmsTarget(kms.endpoint, "us-east-1", kms.credentials_path)
        yield boto3_client(target), log


@pytest.fixture(scope="module")
def random_agent() -> Iterator[Running]:
    """One agent for a whole fuzzing run (hypothesis reuses it across examples)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(32)
    log: list[str] = []
    server = AgentServer(
        listener,
        AgentOps(FakeNsm()),
        Limits(frame_timeout=0.5),
        log=log.append,  # type: ignore[arg-type]
    )
    server.start()
    yield Running(server, FakeNsm(), listener.getsockname(), log)
    server.close()
