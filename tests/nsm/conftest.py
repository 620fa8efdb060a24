"""Fixtures for the NSM tests: a simulated PKI in the test's home, devices and served clients."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.nsm.device import SimulatedNsm
from core.nsm.pki import SimPki
from core.nsm.server import start_nsm_server
from enclave_agent.nsm import NsmClient, SimNsmDevice

INSTANCE_ID = "i-0123456789abcdef0"
ROLE_ARN = "arn:aws:iam::123456789012:role/Webserver"
ENCLAVE_UID = 0x0193685E7FEE7D85  # launched 2024-11-30T16:22:45.759Z, like a real vector
MEASUREMENTS = {i: hashlib.sha384(f"pcr{i}".encode()).digest() for i in (0, 1, 2, 8)}

MakeDevice = Callable[..., SimulatedNsm]


@pytest.fixture
def pki(nitrodeck_home: Path) -> SimPki:
    return SimPki.load_or_create(nitrodeck_home)


@pytest.fixture
def make_device(pki: SimPki) -> MakeDevice:
    def make(**overrides: Any) -> SimulatedNsm:
        options: dict[str, Any] = {
            "measurements": MEASUREMENTS,
            "debug": False,
            "instance_id": INSTANCE_ID,
            "role_arn": ROLE_ARN,
            "enclave_uid": ENCLAVE_UID,
        }
        options.update(overrides)
        return SimulatedNsm(pki, **options)

    return make


@pytest.fixture
def device(make_device: MakeDevice) -> SimulatedNsm:
    return make_device()


@pytest.fixture
def socket_path(tmp_path: Path) -> Path:
    return tmp_path / "nsm.sock"


@pytest.fixture
def client(device: SimulatedNsm, socket_path: Path) -> Iterator[NsmClient]:
    """An `NsmClient` talking to `device` over a real Unix socket."""
    with start_nsm_server(device, socket_path), NsmClient(SimNsmDevice(socket_path)) as nsm:
        yield nsm
