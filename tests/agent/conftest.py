"""An agent server on loopback TCP (port 0) over an in-memory NSM with the NSM's PCR rules."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import cbor2
import pytest

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
