"""The agent code that runs on Nitro hardware never binds a public key the parent sends.

Straight against `enclave_agent.server.AgentServer` + `AgentOps` with hand-written frames (no
nitrodeck client), over an in-memory NSM that records what it is asked and over the simulator's
signed NSM with the local KMS: issue 14's attack stops at the agent, and the documents the parent
can still get never let its own key open a `CiphertextForRecipient`.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.agent.client import AgentClient, AgentError
from core.kms.demo import demo_key_policy
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, ADMIN_PROFILE, PRINCIPAL_ARN
from core.kms.target import KmsTarget, boto3_client
from enclave_agent import protocol
from enclave_agent.recipient import EphemeralRecipient, RecipientError

if TYPE_CHECKING:
    from tests.agent.conftest import Running

from tests.agent.conftest import PCR0


def frame(sock: socket.socket, op: str, args: dict[str, Any]) -> dict[str, Any]:
    protocol.send_message(sock, protocol.make_request(1, op, args))
    reply = protocol.recv_message(sock, idle_timeout=10, frame_timeout=10)
    assert reply is not None
    return reply


def parent_spki() -> tuple[EphemeralRecipient, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return EphemeralRecipient(key), der


@pytest.mark.parametrize("value", [b"\x30" * 300, None, "text"])
@pytest.mark.parametrize("op", ["attest", "recipient_key"])
def test_public_key_field_is_refused_and_never_reaches_the_nsm(
    agent: Running, op: str, value: object
) -> None:
    with agent.connect() as sock:
        reply = frame(sock, op, {"nonce": b"n", "public_key": value})
        assert reply["ok"] is False
        assert reply["error"]["code"] == protocol.REFUSED
        assert "KMS Recipient" in reply["error"]["message"]
        assert frame(sock, "health", {})["ok"] is True  # the connection stays usable
    assert agent.nsm.calls == []
    assert any("refused" in line for line in agent.log)


def test_unknown_attest_fields_are_named(agent: Running) -> None:
    with agent.connect() as sock:
        reply = frame(sock, "attest", {"nonce": b"n", "publicKey": b"k"})
    assert reply["error"]["code"] == protocol.BAD_ARGS and "publicKey" in reply["error"]["message"]
    assert agent.nsm.calls == []


def test_core_client_does_not_send_the_field(agent: Running) -> None:
    with AgentClient(agent.connect()) as client, pytest.raises(AgentError) as caught:
        client.call("attest", {"public_key": b"k"})
    assert caught.value.agent_code == protocol.REFUSED and caught.value.fix
    assert agent.nsm.calls == [] and agent.log == []  # nothing went over the wire


def test_attack_fails_against_the_real_agent_ops_and_local_kms(
    start_sim_agent: Callable[..., Running],
    local_kms: tuple[Any, list[str]],
    nitrodeck_home: Path,
) -> None:
    """create-demo-key's policy, the parent's key, attest, Decrypt(Recipient), open the CMS."""
    kms, _ = local_kms
    target = KmsTarget(kms.meta.endpoint_url, "us-east-1", nitrodeck_home / "kms" / "credentials")
    admin = boto3_client(target, profile=ADMIN_PROFILE)
    policy = demo_key_policy(PCR0.hex(), admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    key_id = admin.create_key(Policy=policy)["KeyMetadata"]["KeyId"]
    blob = bytes(admin.encrypt(KeyId=key_id, Plaintext=b"pinned secret")["CiphertextBlob"])
    agent = start_sim_agent()
    parent, spki = parent_spki()
    with agent.connect() as sock:
        refused = frame(sock, "attest", {"nonce": b"\x01", "public_key": spki})
        assert refused["error"]["code"] == protocol.REFUSED
        plain = frame(sock, "attest", {"nonce": b"\x01"})["result"]["document"]
        theirs = frame(sock, "recipient_key", {"nonce": b"\x02"})["result"]["document"]
    with pytest.raises(ClientError) as caught:
        kms.decrypt(CiphertextBlob=blob, Recipient={"AttestationDocument": plain})
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    answer = kms.decrypt(CiphertextBlob=blob, Recipient={"AttestationDocument": theirs})
    assert "Plaintext" not in answer
    with pytest.raises(RecipientError):
        parent.decrypt(bytes(answer["CiphertextForRecipient"]))
