"""Every NSM operation and error through `NsmClient` over the simulator's real Unix socket."""

from __future__ import annotations

import hashlib
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import cbor2
import pytest

from core.errors import NitrodeckError
from core.nsm.device import SimulatedNsm
from core.nsm.pcrs import ZERO_PCR
from core.nsm.server import start_nsm_server
from enclave_agent.nsm import NsmClient, NsmError, SimNsmDevice
from tests.nsm.conftest import MEASUREMENTS


def expect_error(code: str, call: object, *args: object) -> None:
    with pytest.raises(NsmError) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.code == code


def test_describe_pcr(client: NsmClient) -> None:
    pcr0 = client.describe_pcr(0)
    assert pcr0.lock is True and pcr0.data == MEASUREMENTS[0]
    pcr16 = client.describe_pcr(16)
    assert pcr16.lock is False and pcr16.data == ZERO_PCR


def test_extend_then_lock(client: NsmClient) -> None:
    new = client.extend_pcr(16, b"measure me")
    assert new == hashlib.sha384(ZERO_PCR + b"measure me").digest()
    client.lock_pcr(16)
    assert client.describe_pcr(16).lock
    expect_error("ReadOnlyIndex", client.extend_pcr, 16, b"again")
    expect_error("ReadOnlyIndex", client.lock_pcr, 16)
    assert 16 in client.describe_nsm().locked_pcrs


def test_lock_pcrs(client: NsmClient) -> None:
    client.lock_pcrs(24)
    assert client.describe_nsm().locked_pcrs == tuple(range(24))
    expect_error("InvalidIndex", client.lock_pcrs, 33)
    client.lock_pcrs(32)
    assert client.describe_nsm().locked_pcrs == tuple(range(32))


def test_index_errors(client: NsmClient) -> None:
    expect_error("InvalidIndex", client.describe_pcr, 32)
    expect_error("InvalidIndex", client.extend_pcr, 40, b"x")
    expect_error("InvalidIndex", client.lock_pcr, 32)
    expect_error("ReadOnlyIndex", client.extend_pcr, 3, b"x")


def test_describe_nsm(client: NsmClient, device: SimulatedNsm) -> None:
    info = client.describe_nsm()
    assert (info.module_id, info.max_pcrs, info.digest) == (device.module_id, 32, "SHA384")
    assert info.locked_pcrs == tuple(range(16))


def test_get_random(client: NsmClient) -> None:
    assert len({client.get_random() for _ in range(3)}) == 3


def test_attestation_binds_the_fields(client: NsmClient) -> None:
    document = client.attestation(user_data=b"u" * 1024, nonce=b"n" * 1024, public_key=b"k" * 1024)
    payload = cbor2.loads(cbor2.loads(document)[2])
    assert (payload["user_data"], payload["nonce"], payload["public_key"]) == (
        b"u" * 1024,
        b"n" * 1024,
        b"k" * 1024,
    )
    expect_error("InputTooLarge", client.attestation, b"u" * 1025)


def test_raw_passes_bytes_through(client: NsmClient) -> None:
    assert client.raw(cbor2.dumps({"DescribeNSM": {}})).startswith(b"\xa1\x6bDescribeNSM")
    assert cbor2.loads(client.raw(b"\xff")) == {"Error": "InvalidArgument"}


def test_oversized_frames_are_refused_and_the_stream_stays_usable(client: NsmClient) -> None:
    expect_error("InputTooLarge", client.extend_pcr, 16, bytes(5000))
    assert cbor2.loads(client.raw(bytes(100_000))) == {"Error": "InputTooLarge"}
    assert len(client.get_random()) == 256  # the same connection still works


class Oversized:
    """A device whose answers exceed what the driver can return."""

    def handle(self, request: bytes) -> bytes:
        return b"\x5a" + (20000).to_bytes(4, "big") + bytes(20000)


def test_truncation_like_the_driver(socket_path: Path) -> None:
    with start_nsm_server(Oversized(), socket_path):
        device = SimNsmDevice(socket_path)
        reply = device.transact(b"\x69GetRandom")
        device.close()
    assert len(reply) == 12288 and reply[:5] == b"\x5a" + (20000).to_bytes(4, "big")


def test_many_clients_at_once(device: SimulatedNsm, socket_path: Path) -> None:
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            with NsmClient(SimNsmDevice(socket_path)) as nsm:
                for _ in range(5):
                    nsm.extend_pcr(16 + index, b"x")
        except BaseException as error:  # reported below, on the main thread
            errors.append(error)

    with start_nsm_server(device, socket_path):
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    expected = ZERO_PCR
    for _ in range(5):
        expected = hashlib.sha384(expected + b"x").digest()
    assert all(device.pcr(16 + i) == expected for i in range(8))


def test_a_half_sent_frame_does_not_hurt_the_server(client: NsmClient, socket_path: Path) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
        raw.connect(str(socket_path))
        raw.sendall(struct.pack(">I", 50) + b"\x69Get")
    assert len(client.get_random()) == 256


def test_close_removes_the_socket_and_ends_connections(
    device: SimulatedNsm, socket_path: Path
) -> None:
    server = start_nsm_server(device, socket_path)
    nsm = NsmClient(SimNsmDevice(socket_path))
    assert nsm.get_random()
    server.close()
    assert not socket_path.exists()
    expect_error("InternalError", nsm.get_random)
    expect_error("InternalError", nsm.get_random)  # still down: reconnecting fails cleanly
    with start_nsm_server(device, socket_path):
        assert len(nsm.get_random()) == 256  # the client reconnects to a restarted NSM
    nsm.close()


def test_a_stale_socket_file_is_replaced(device: SimulatedNsm, socket_path: Path) -> None:
    socket_path.write_bytes(b"left over")
    with start_nsm_server(device, socket_path), NsmClient(SimNsmDevice(socket_path)) as nsm:
        assert nsm.describe_nsm().max_pcrs == 32
    assert not socket_path.exists()


def test_too_long_socket_paths_are_a_clear_error(device: SimulatedNsm, tmp_path: Path) -> None:
    with pytest.raises(NitrodeckError, match="at most 107"):
        start_nsm_server(device, tmp_path / ("x" * 120))


def test_the_client_frames_are_u32_big_endian_and_exact(tmp_path: Path) -> None:
    """The framing contract with the simulator, checked on the wire with a bare listener."""
    path = tmp_path / "wire.sock"
    received: list[bytes] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen(1)

        def answer() -> None:
            connection, _ = listener.accept()
            with connection:
                received.append(connection.recv(4096))
                connection.sendall(b"\x00\x00\x00\x08" + b"\x67LockPCR")

        thread = threading.Thread(target=answer)
        thread.start()
        with NsmClient(SimNsmDevice(path)) as nsm:
            nsm.lock_pcr(16)
        thread.join()
    assert received == [bytes.fromhex("00000011a1674c6f636b504352a165696e64657810")]


SUPERVISOR = """
import sys
from pathlib import Path
from core.nsm.device import SimulatedNsm
from core.nsm.pki import SimPki
from core.nsm.server import serve_nsm
home, sock = Path(sys.argv[1]), Path(sys.argv[2])
device = SimulatedNsm(SimPki.load_or_create(home), measurements={0: bytes(48), 1: bytes(48),
    2: bytes(48)}, debug=True, instance_id="i-0123456789abcdef0", role_arn=None,
    enclave_uid=0x0193685E7FEE7D85)
serve_nsm(device, sock)
"""


def test_serve_nsm_in_a_separate_process(nitrodeck_home: Path, socket_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(nitrodeck_home), str(socket_path)],
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        for _ in range(600):  # wait for the socket to appear (bounded, not a timed assertion)
            if socket_path.exists() or process.poll() is not None:
                break
            time.sleep(0.05)
        environ = {"NITRODECK_NSM_SOCKET": str(socket_path)}
        with NsmClient.open(dev_path=socket_path.parent / "absent", environ=environ) as nsm:
            assert nsm.describe_nsm().module_id.startswith("i-0123456789abcdef0-enc")
            document = nsm.attestation(nonce=b"from another process")
        assert cbor2.loads(cbor2.loads(document)[2])["nonce"] == b"from another process"
    finally:
        process.terminate()
        process.wait(timeout=30)
