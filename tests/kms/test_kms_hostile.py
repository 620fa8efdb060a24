"""The local KMS under hostile local clients: slow bodies, idle floods, resets, log injection.

Functional bounds only (threads, open connections, log bytes, who gets dropped); the latency of
a signed request during 400 slow clients is measured by `bench/kms_hostile.py`.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.home import Home
from core.kms.local.http import HttpLimits
from core.kms.local.log import RotatingLog, clean_line
from core.kms.local.server import LocalKms
from core.kms.target import KmsTarget, boto3_client

HEAD = (
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
    b"X-Amz-Target: TrentService.ListKeys\r\nContent-Length: 100\r\n\r\n"
)


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[tuple[LocalKms, RotatingLog, Any]]:
    log = RotatingLog(tmp_path / "server.log", max_bytes=4 << 20)
    limits = HttpLimits(request_timeout=1.0, idle_timeout=5.0, max_connections=512)
    with LocalKms(home=Home.resolve(), directory=tmp_path / "kms", log=log, limits=limits) as kms:
        client = boto3_client(KmsTarget(kms.endpoint, "us-east-1", kms.credentials_path))
        yield kms, log, client
    log.close()


def address(kms: LocalKms) -> tuple[str, int]:
    host, port = kms.endpoint.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), as a crashed or hostile client does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def closed_by_server(sock: socket.socket, within: float = 15.0) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_headers_then_a_dribbled_body_is_dropped(
    hostile: tuple[LocalKms, RotatingLog, Any],
) -> None:
    kms, log, client = hostile
    with socket.create_connection(address(kms)) as slow:
        slow.sendall(HEAD + b"{")
        for _ in range(3):  # a byte now and then keeps no deadline alive
            slow.sendall(b" ")
            threading.Event().wait(0.2)
        assert closed_by_server(slow)
    assert "dropped, request not complete within 1 s" in log.path.read_text()
    assert client.list_keys()["Keys"] == []


@pytest.mark.slow
def test_400_slow_clients_hold_no_threads_and_do_not_block_a_signed_request(
    hostile: tuple[LocalKms, RotatingLog, Any],
) -> None:
    kms, _, client = hostile
    client.list_keys()  # the worker pool and boto3's connection are warm
    threads_before = threading.active_count()
    slow = [socket.create_connection(address(kms)) for _ in range(400)]
    try:
        for sock in slow:
            sock.sendall(HEAD[:40])
        for _ in range(5):
            assert client.list_keys()["Keys"] == []
        assert kms.open_connections >= 400
        assert threading.active_count() <= threads_before + HttpLimits().workers
    finally:
        for sock in slow:
            sock.close()


def test_connection_bound_evicts_the_longest_waiting(tmp_path: Path) -> None:
    limits = HttpLimits(max_connections=8, idle_timeout=30.0)
    lines: list[str] = []
    with LocalKms(
        home=Home.resolve(), directory=tmp_path / "kms", log=lines.append, limits=limits
    ) as kms:
        client = boto3_client(KmsTarget(kms.endpoint, "us-east-1", kms.credentials_path))
        idle = [socket.create_connection(address(kms)) for _ in range(20)]
        try:
            assert client.list_keys()["Keys"] == []
            assert kms.open_connections <= 8
            assert closed_by_server(idle[0])
        finally:
            for sock in idle:
                sock.close()
    assert any("connection limit 8" in line for line in lines)


@pytest.mark.slow
def test_1000_resets_grow_the_log_by_one_short_line_each(
    hostile: tuple[LocalKms, RotatingLog, Any],
) -> None:
    kms, log, client = hostile
    before = log.path.stat().st_size
    for _ in range(1000):
        sock = socket.create_connection(address(kms))
        sock.sendall(HEAD)
        reset(sock)
    assert client.list_keys()["Keys"] == []  # and the server still answers
    deadline = threading.Event()
    for _ in range(100):  # the loop logs each reset as it notices it
        text = log.path.read_text()
        if text.count("client ") >= 1000:
            break
        deadline.wait(0.05)
    grown = log.path.stat().st_size - before
    assert grown < 200 * 1024, grown
    assert "Traceback" not in text
    resets = [line for line in text.splitlines() if " client " in line]
    assert 990 <= len(resets) <= 1000  # one line each (a reset inside accept() may leave none)
    assert all("reset by peer" in line or "closed mid-request" in line for line in resets)


def test_log_lines_are_whole_under_concurrent_writers_and_rotate(tmp_path: Path) -> None:
    log = RotatingLog(tmp_path / "server.log", max_bytes=64 * 1024, backups=2)

    def write(tag: str) -> None:
        for index in range(2000):
            log(f"{tag} {index} " + "x" * 60)

    threads = [threading.Thread(target=write, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    log.close()
    files = [tmp_path / "server.log", tmp_path / "server.log.1", tmp_path / "server.log.2"]
    assert all(f.exists() and f.stat().st_size <= 64 * 1024 for f in files)
    assert not (tmp_path / "server.log.3").exists()
    for f in files:
        assert f.stat().st_mode & 0o777 == 0o600
        for line in f.read_text().splitlines():
            _stamp, tag, index, tail = line.split(" ")
            assert tag.startswith("w") and index.isdigit() and tail == "x" * 60


def test_client_text_cannot_forge_log_lines() -> None:
    assert clean_line("ListKeys\n2026-01-01T00:00:00Z Decrypt 200") == (
        "ListKeys\\x0a2026-01-01T00:00:00Z Decrypt 200"
    )
    assert clean_line("\x1b[2J" + "y" * 1000).startswith("\\x1b[2J")
    assert len(clean_line("y" * 1000)) == 400


def test_unframeable_requests_get_kms_errors(hostile: tuple[LocalKms, RotatingLog, Any]) -> None:
    kms, _, _ = hostile
    for request, status in (
        (b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", b"411"),
        (b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n", b"413"),
        (b"NONSENSE\r\n\r\n", b"400"),
    ):
        with socket.create_connection(address(kms), timeout=10) as sock:
            sock.sendall(request)
            answer = sock.recv(4096)
        assert answer.split(b" ")[1] == b"400" and b'"__type"' in answer, (status, answer)
