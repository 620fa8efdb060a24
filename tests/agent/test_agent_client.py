"""The client against a misbehaving agent: malformed, mismatched or missing replies."""

from __future__ import annotations

import socket
import threading
from typing import Any

import pytest

from core.agent.client import AgentClient, AgentError
from enclave_agent import protocol


def answering(reply: dict[str, Any] | bytes | None) -> AgentClient:
    """A client whose peer reads one request and sends `reply` (a message, raw bytes, or EOF)."""
    ours, theirs = socket.socketpair()

    def peer() -> None:
        with theirs:
            protocol.recv_message(theirs, idle_timeout=5)
            if isinstance(reply, dict):
                protocol.send_message(theirs, reply)
            elif isinstance(reply, bytes):
                theirs.sendall(reply)

    threading.Thread(target=peer, daemon=True).start()
    return AgentClient(ours, timeout=5)


@pytest.mark.parametrize(
    "result",
    [{}, {"nsm": {}, "pcrs": [{"index": 0}]}, {"nsm": {}, "pcrs": 5}],
)
def test_malformed_describe(result: dict[str, Any]) -> None:
    with answering(protocol.ok_reply(1, result)) as client, pytest.raises(AgentError) as caught:
        client.describe()
    assert "malformed describe reply" in str(caught.value)


def test_missing_bytes_field() -> None:
    client = answering(protocol.ok_reply(1, {"document": "text"}))
    with client, pytest.raises(AgentError, match="lacks the byte string 'document'"):
        client.attest()


def test_reply_to_another_request_closes_the_client() -> None:
    client = answering(protocol.ok_reply(99, {"status": "ok"}))
    with pytest.raises(AgentError, match="answered request 99, expected 1"):
        client.health()
    assert client.sock.fileno() == -1


def test_agent_hangs_up() -> None:
    with answering(None) as client, pytest.raises(AgentError, match="closed the connection"):
        client.health()


def test_error_reply_carries_the_code() -> None:
    reply = protocol.error_reply(1, protocol.NOT_FOUND, "no such key")
    with answering(reply) as client, pytest.raises(AgentError) as caught:
        client.recipient_decrypt("h", b"x")
    assert caught.value.agent_code == protocol.NOT_FOUND and "no such key" in str(caught.value)


def test_truncated_reply_is_fatal_for_the_connection() -> None:
    client = answering(b"\x00\x00\x01\x00\xa1")
    with pytest.raises(AgentError) as caught:
        client.health()
    assert caught.value.agent_code == protocol.BAD_FRAME
    assert client.sock.fileno() == -1
