"""Every operation over a real socket, and the agent's robustness against bad clients."""

from __future__ import annotations

import hashlib
import hmac
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.agent.client import AgentClient, AgentError
from core.kms.cms import build_ciphertext_for_recipient
from enclave_agent import protocol
from enclave_agent.server import Limits

if TYPE_CHECKING:
    from tests.agent.conftest import Running


def client(agent: Running) -> AgentClient:
    return AgentClient(agent.connect(), timeout=10)


def raw_reply(sock: socket.socket) -> dict[str, Any] | None:
    return protocol.recv_message(sock, idle_timeout=5, frame_timeout=5)


def still_served(agent: Running) -> None:
    with client(agent) as other:
        assert other.health().status == "ok"


def test_health_and_describe(agent: Running) -> None:
    with client(agent) as c:
        health = c.health()
        assert health.protocol == 1 and "recipient_decrypt" in health.ops
        description = c.describe()
    assert description.module_id.startswith("i-0123456789abcdef0-enc")
    assert len(description.pcrs) == 32
    assert [p.locked for p in description.pcrs] == [True] * 16 + [False] * 16
    assert description.locked_pcrs == tuple(range(16))
    assert all(len(p.value) == 48 for p in description.pcrs)


def test_attest_passes_fields_to_the_nsm(agent: Running) -> None:
    with client(agent) as c:
        document = c.attest(nonce=b"n" * 20, user_data=b"u")
    assert cbor2.loads(document) == {"user_data": b"u", "nonce": b"n" * 20, "public_key": None}


def test_attest_rejects_oversized_fields(agent: Running) -> None:
    with client(agent) as c, pytest.raises(AgentError) as caught:
        c.attest(nonce=bytes(1025))
    assert caught.value.agent_code == protocol.BAD_ARGS and "1024" in str(caught.value)


def test_random_lengths(agent: Running) -> None:
    with client(agent) as c:
        assert len(c.random(1)) == 1
        assert len(c.random(1000)) == 1000
        with pytest.raises(AgentError) as caught:
            c.random(0)
    assert caught.value.agent_code == protocol.BAD_ARGS


def test_extend_and_lock_user_pcr(agent: Running) -> None:
    with client(agent) as c:
        value = c.extend_pcr(16, b"abc")
        assert value == hashlib.sha384(bytes(48) + b"abc").digest()
        c.lock_pcr(16)
        assert c.describe().pcrs[16].locked
        with pytest.raises(AgentError) as caught:
            c.extend_pcr(16, b"more")
    assert caught.value.agent_code == protocol.NSM_ERROR and "ReadOnlyIndex" in str(caught.value)


@pytest.mark.parametrize("index", [0, 4, 15, 32])
def test_boot_pcrs_cannot_be_changed(agent: Running, index: int) -> None:
    with client(agent) as c, pytest.raises(AgentError) as caught:
        c.extend_pcr(index, b"x")
    assert caught.value.agent_code == protocol.BAD_ARGS
    assert "16..31" in str(caught.value)


def test_recipient_flow_returns_only_length_and_proof(agent: Running) -> None:
    secret = b"the data key that must stay inside" * 3
    with client(agent) as c:
        key = c.recipient_key(nonce=b"fresh")
        assert cbor2.loads(key.document)["public_key"] == key.public_key
        blob = build_ciphertext_for_recipient(key.public_key, secret)
        decrypted = c.recipient_decrypt(
            key.handle, blob, proof_key=b"k" * 32, sealed_to=key.public_key
        )
        assert decrypted.length == len(secret)
        assert decrypted.hmac_sha256 == hmac.new(b"k" * 32, secret, "sha256").digest()
        with pytest.raises(AgentError) as caught:  # single use
            c.recipient_decrypt(key.handle, blob)
    assert caught.value.agent_code == protocol.NOT_FOUND
    assert all(secret not in line.encode() for line in agent.log)


def test_recipient_key_expires(start_agent: Callable[..., Running]) -> None:
    agent = start_agent(key_ttl=0.0)
    with client(agent) as c:
        key = c.recipient_key()
        with pytest.raises(AgentError) as caught:
            c.recipient_decrypt(key.handle, b"\x30\x80")
    assert caught.value.agent_code == protocol.NOT_FOUND


def test_garbage_ciphertext_is_a_decrypt_error(agent: Running) -> None:
    with client(agent) as c:
        key = c.recipient_key()
        with pytest.raises(AgentError) as caught:
            c.recipient_decrypt(key.handle, b"not a CMS structure")
    assert caught.value.agent_code == protocol.DECRYPT_FAILED


def test_unknown_op(agent: Running) -> None:
    with client(agent) as c, pytest.raises(AgentError) as caught:
        c.call("format_disk")
    assert caught.value.agent_code == protocol.UNKNOWN_OP and "health" in str(caught.value)


def test_garbage_frame_gets_error_and_connection_survives(agent: Running) -> None:
    with agent.connect() as sock:
        sock.sendall(struct.pack(">I", 5) + b"\xff\xfe\xfd\xfc\xfb")
        reply = raw_reply(sock)
        assert reply is not None and reply["error"]["code"] == protocol.BAD_FRAME
        sock.sendall(protocol.encode_frame(protocol.make_request(2, "health")))
        reply = raw_reply(sock)
    assert reply is not None and reply["ok"] and reply["id"] == 2


def test_non_map_and_bad_version_frames(agent: Running) -> None:
    with agent.connect() as sock:
        sock.sendall(struct.pack(">I", 1) + b"\x01")
        assert raw_reply(sock)["error"]["code"] == protocol.BAD_FRAME  # type: ignore[index]
        sock.sendall(protocol.encode_frame({"v": 9, "id": 5, "op": "health"}))
        reply = raw_reply(sock)
    assert reply is not None and reply["id"] == 5
    assert reply["error"]["code"] == protocol.UNSUPPORTED_VERSION


def test_oversized_frame_closes_only_that_client(agent: Running) -> None:
    with agent.connect() as sock:
        sock.sendall(struct.pack(">I", 10_000_000))
        reply = raw_reply(sock)
        assert reply is not None and reply["error"]["code"] == protocol.FRAME_TOO_LARGE
        assert sock.recv(1) == b""  # closed
    still_served(agent)


def test_truncated_frame_then_hangup(agent: Running) -> None:
    with agent.connect() as sock:
        sock.sendall(struct.pack(">I", 100) + b"\xa1\x61")
    still_served(agent)


def test_slowloris_is_cut_off_while_others_are_served(
    start_agent: Callable[..., Running],
) -> None:
    agent = start_agent(Limits(frame_timeout=2.0))  # ample for the dribble even on a busy host
    slow = agent.connect()
    with slow:
        slow.sendall(struct.pack(">I", 50))
        for _ in range(2):  # dribble bytes while another client is served
            slow.sendall(b"\xa1")
            still_served(agent)
        reply = raw_reply(slow)  # after frame_timeout the agent gives up
        assert reply is not None and reply["error"]["code"] == protocol.TIMEOUT
        assert slow.recv(1) == b""


def test_connection_limit_refuses_with_busy(start_agent: Callable[..., Running]) -> None:
    agent = start_agent(Limits(max_connections=2, evict_after=3600))
    held = [agent.connect(), agent.connect()]
    try:
        for sock in held:  # make sure both are being served
            protocol.send_message(sock, protocol.make_request(1, "health"))
            assert raw_reply(sock) is not None
        with agent.connect() as third:
            reply = raw_reply(third)
        assert reply is not None and reply["error"]["code"] == protocol.BUSY
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 5
    while True:  # the slots come back once the held connections are gone
        try:
            still_served(agent)
            break
        except AgentError:
            assert time.monotonic() < deadline


def test_idle_client_yields_its_slot(start_agent: Callable[..., Running]) -> None:
    agent = start_agent(Limits(max_connections=2, evict_after=0.0))
    held = [agent.connect(), agent.connect()]
    try:
        for sock in held:
            protocol.send_message(sock, protocol.make_request(1, "health"))
            assert raw_reply(sock) is not None
        still_served(agent)  # a third client gets in: the longest-idle one was closed
        readable, _, _ = select.select(held, [], [], 10)
        assert len(readable) == 1 and readable[0].recv(1) == b""
        assert "closed the longest-idle connection to admit a new client" in agent.log
    finally:
        for sock in held:
            sock.close()


def test_concurrent_clients(agent: Running) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with client(agent) as c:
                for _ in range(10):
                    assert len(c.attest(nonce=b"x")) > 0
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_reply_too_large_for_a_frame_becomes_an_error(start_agent: Callable[..., Running]) -> None:
    agent = start_agent(Limits(max_frame=512))
    with client(agent) as c:
        with pytest.raises(AgentError) as caught:
            c.random(1000)  # 1000 random bytes do not fit a 512-byte frame
        assert caught.value.agent_code == protocol.FRAME_TOO_LARGE
        assert c.health().status == "ok"  # and the connection still works


def test_deeply_nested_cbor_is_refused_and_connection_survives(agent: Running) -> None:
    body = b"\x81" * 60000 + b"\x01"
    with agent.connect() as sock:
        sock.sendall(struct.pack(">I", len(body)) + body)
        reply = raw_reply(sock)
        assert reply is not None and reply["error"]["code"] == protocol.BAD_FRAME
        sock.sendall(protocol.encode_frame(protocol.make_request(3, "health")))
        reply = raw_reply(sock)
    assert reply is not None and reply["ok"]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=1, max_size=300))
def test_any_byte_stream_leaves_the_agent_serving(random_agent: Running, data: bytes) -> None:
    with random_agent.connect() as sock:
        sock.sendall(data)
    still_served(random_agent)
