"""The real-device path: `struct nsm_raw` packing and the ioctl exchange, with a fake ioctl that
behaves like drivers/misc/nsm.c (reads the request iovec, writes min(capacity, actual) bytes)."""

from __future__ import annotations

import ctypes
import errno
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from core.nsm.device import SimulatedNsm
from enclave_agent.nsm import (
    NSM_IOCTL_RAW,
    NSM_RESPONSE_MAX,
    DevNsm,
    NsmClient,
    NsmError,
    NsmUnavailableError,
    SimNsmDevice,
    pack_nsm_raw,
    unpack_response_length,
)


class FakeDriver:
    """Stands in for the kernel: answers through `answer(request) -> response`."""

    def __init__(self, answer: Callable[[bytes], bytes]) -> None:
        self.answer = answer
        self.calls: list[tuple[int, int, tuple[int, int, int, int]]] = []

    def ioctl(self, fd: int, request: int, buf: bytearray) -> int:
        assert isinstance(buf, bytearray) and len(buf) == 32  # must be writable, 32 bytes
        req_addr, req_len, resp_addr, capacity = struct.unpack("<QQQQ", buf)
        self.calls.append((fd, request, (req_addr, req_len, resp_addr, capacity)))
        response = self.answer(ctypes.string_at(req_addr, req_len))
        written = min(len(response), capacity)
        ctypes.memmove(resp_addr, response, written)
        struct.pack_into("<Q", buf, 24, written)
        return 0


def open_fake(driver: FakeDriver) -> DevNsm:
    return DevNsm(Path("/dev/nsm"), ioctl=driver.ioctl, opener=lambda _path: 99)


def test_nsm_raw_is_four_little_endian_u64() -> None:
    raw = pack_nsm_raw(0x1122334455667788, 5, 0x99AA, NSM_RESPONSE_MAX)
    assert len(raw) == 32
    assert raw[:8] == bytes.fromhex("8877665544332211")
    assert raw[8:16] == (5).to_bytes(8, "little")
    assert raw[24:32] == (0x3000).to_bytes(8, "little")
    raw[24:32] = (700).to_bytes(8, "little")
    assert unpack_response_length(raw, NSM_RESPONSE_MAX) == 700
    raw[24:32] = (0x5000).to_bytes(8, "little")
    assert unpack_response_length(raw, NSM_RESPONSE_MAX) == NSM_RESPONSE_MAX


def test_ioctl_gets_the_request_bytes_and_capacity() -> None:
    driver = FakeDriver(lambda request: b"\x67LockPCR")
    nsm = open_fake(driver)
    assert nsm.transact(b"request-bytes") == b"\x67LockPCR"
    ((fd, code, (_, req_len, _, capacity)),) = driver.calls
    assert (fd, code, req_len, capacity) == (99, 0xC0200A00, 13, 0x3000)
    assert NSM_IOCTL_RAW == (3 << 30) | (32 << 16) | (0x0A << 8) | 0


def test_the_response_length_written_back_is_honoured() -> None:
    driver = FakeDriver(lambda request: request[::-1] * 3)
    assert open_fake(driver).transact(b"abc") == b"cbacbacba"


def test_a_truncating_driver_yields_at_most_the_capacity() -> None:
    driver = FakeDriver(lambda request: b"x" * (NSM_RESPONSE_MAX + 100))
    assert len(open_fake(driver).transact(b"q")) == NSM_RESPONSE_MAX


def test_oversized_requests_never_reach_the_driver() -> None:
    driver = FakeDriver(lambda request: b"")
    with pytest.raises(NsmError) as caught:
        open_fake(driver).transact(bytes(4097))
    assert caught.value.code == "InputTooLarge" and driver.calls == []
    open_fake(driver).transact(bytes(4096))
    assert len(driver.calls) == 1


@pytest.mark.parametrize(
    ("errno_value", "code"),
    [
        (errno.EMSGSIZE, "InputTooLarge"),
        (errno.EIO, "InternalError"),
        (errno.ETIMEDOUT, "InternalError"),
    ],
)
def test_driver_errors_map_like_the_rust_client(errno_value: int, code: str) -> None:
    def failing(fd: int, request: int, buf: bytearray) -> int:
        raise OSError(errno_value, "fake driver failure")

    nsm = DevNsm(Path("/dev/nsm"), ioctl=failing, opener=lambda _path: 99)
    with pytest.raises(NsmError) as caught:
        nsm.transact(b"\x69GetRandom")
    assert caught.value.code == code
    assert "fake driver failure" in str(caught.value)


def test_the_client_works_end_to_end_over_the_ioctl(device: SimulatedNsm) -> None:
    client = NsmClient(open_fake(FakeDriver(device.handle)))
    assert client.describe_nsm().module_id == device.module_id
    assert client.extend_pcr(20, b"x") == device.pcr(20)
    with pytest.raises(NsmError) as caught:
        client.extend_pcr(0, b"x")
    assert caught.value.code == "ReadOnlyIndex"
    assert client.attestation(nonce=b"n")[:8] == bytes.fromhex("8444a1013822a059")


def test_open_prefers_dev_nsm(tmp_path: Path) -> None:
    fake_dev = tmp_path / "nsm"
    fake_dev.write_bytes(b"")
    client = NsmClient.open(dev_path=fake_dev, environ={"NITRODECK_NSM_SOCKET": "/nowhere"})
    assert isinstance(client.device, DevNsm)
    client.close()


def test_open_falls_back_to_the_simulator_socket(client: NsmClient, socket_path: Path) -> None:
    environ = {"NITRODECK_NSM_SOCKET": str(socket_path)}
    with NsmClient.open(dev_path=socket_path.parent / "no-dev-nsm", environ=environ) as other:
        assert isinstance(other.device, SimNsmDevice)
        assert len(other.get_random()) == 256


def test_open_without_either_names_both(tmp_path: Path) -> None:
    with pytest.raises(NsmUnavailableError) as caught:
        NsmClient.open(dev_path=tmp_path / "dev-nsm", environ={})
    message = str(caught.value)
    assert str(tmp_path / "dev-nsm") in message and "NITRODECK_NSM_SOCKET" in message


def test_a_dead_simulator_socket_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NsmUnavailableError, match="cannot connect to the simulated NSM"):
        SimNsmDevice(tmp_path / "gone.sock")


def test_an_unopenable_dev_nsm_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NsmUnavailableError, match="cannot open"):
        DevNsm(tmp_path / "missing-nsm")
