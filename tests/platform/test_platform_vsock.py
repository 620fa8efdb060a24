"""vsock emulation: connect, listen, refusal and EOF through `enclave_agent.transport`."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.platform.sim import vsock
from enclave_agent import transport


@pytest.fixture
def enclave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A mux as a supervisor runs it, and the payload's environment pointing at it."""
    host_uds = tmp_path / "cid_16.sock"
    listen_dir = tmp_path / "e16"
    mux = vsock.VsockMux(host_uds, listen_dir)
    mux.start()
    monkeypatch.setenv("NITRODECK_VSOCK", "sim")
    monkeypatch.setenv("NITRODECK_VSOCK_DIR", str(listen_dir))
    monkeypatch.setenv("NITRODECK_VSOCK_UDS", str(host_uds))
    yield host_uds
    mux.close()


def echo_once(server: socket.socket) -> threading.Thread:
    def run() -> None:
        conn, _ = server.accept()
        with conn:
            while data := conn.recv(4096):
                conn.sendall(data.upper())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_parent_connects_to_an_enclave_listener(enclave: Path) -> None:
    assert transport.is_simulated()
    server = transport.listen(5005)
    worker = echo_once(server)
    with vsock.connect(enclave, 16, 5005, timeout=5) as sock:
        sock.sendall(b"hello")
        sock.shutdown(socket.SHUT_WR)  # EOF travels to the enclave side
        received = b""
        while data := sock.recv(4096):
            received += data
    worker.join(5)
    server.close()
    assert received == b"HELLO"


def test_nothing_listening_is_connection_refused(enclave: Path) -> None:
    with pytest.raises(ConnectionRefusedError):
        vsock.connect(enclave, 16, 7777, timeout=5)


def test_no_such_enclave_is_connection_refused(tmp_path: Path) -> None:
    with pytest.raises(ConnectionRefusedError):
        vsock.connect(tmp_path / "cid_99.sock", 99, 5000, timeout=5)


def test_enclave_closing_gives_the_parent_eof(enclave: Path) -> None:
    server = transport.listen(6000)

    def close_at_once() -> None:
        conn, _ = server.accept()
        conn.sendall(b"bye")
        conn.close()

    thread = threading.Thread(target=close_at_once, daemon=True)
    thread.start()
    with vsock.connect(enclave, 16, 6000, timeout=5) as sock:
        assert sock.recv(10) == b"bye"
        assert sock.recv(10) == b""
    thread.join(5)
    server.close()


def test_enclave_connects_to_the_parent(enclave: Path) -> None:
    parent = vsock.listen(Path(f"{enclave}_8000"))
    worker = echo_once(parent)
    with transport.connect(transport.VMADDR_CID_HOST, 8000, timeout=5) as sock:
        sock.sendall(b"kms")
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(10) == b"KMS"
    worker.join(5)
    parent.close()


def test_enclave_to_parent_refused_and_other_cids_refused(enclave: Path) -> None:
    with pytest.raises(ConnectionRefusedError):
        transport.connect(3, 8001, timeout=5)
    with pytest.raises(ConnectionRefusedError):
        transport.connect(17, 5000, timeout=5)


@pytest.mark.parametrize("port", [-1, 1 << 32])
def test_ports_are_32_bit(enclave: Path, port: int) -> None:
    with pytest.raises(ValueError):
        transport.listen(port)
    with pytest.raises(ValueError):
        vsock.connect(enclave, 16, port)


def test_port_in_use(enclave: Path) -> None:
    first = transport.listen(5100)
    with pytest.raises(OSError, match="in use"):
        transport.listen(5100)
    first.close()
    transport.listen(5100).close()  # a stale socket file is replaced


def test_real_af_vsock_when_not_simulated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NITRODECK_VSOCK", raising=False)
    assert not transport.is_simulated()
    if not hasattr(socket, "AF_VSOCK"):
        pytest.skip("no AF_VSOCK in this Python")
    try:
        sock = transport.listen(5999)
    except OSError:
        return  # the kernel has no vsock transport here: the real path was taken
    sock.close()


def test_the_mux_rejects_a_bad_handshake(enclave: Path) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(enclave))
        sock.sendall(b"HELLO there\n")
        assert sock.recv(10) == b""
