"""Issue 14's attack, replayed on the simulator: the parent must not become the KMS recipient.

The parent runs the demo enclave, creates the demo key pinned to its PCR0, makes an RSA key of
its own and asks the agent to attest that key, to pass the document as `Recipient` to KMS and
open `CiphertextForRecipient` itself. Every way of asking is refused (the command line, the
core client, a raw protocol frame through vsock), and the documents the parent can get from the
agent do not help: a plain attestation has no key (KMS refuses it as a Recipient), and the
recipient-flow document carries the agent's key, whose CMS the parent's key cannot open.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.agent.client import AgentClient, AgentError, connect_agent
from core.agent.demo import build_demo_image
from core.home import Home
from core.kms.local.server import LocalKms
from core.kms.target import KmsTarget, boto3_client
from core.platform.base import RunRequest
from core.platform.sim.platform import SimPlatform
from enclave_agent import protocol
from enclave_agent.recipient import EphemeralRecipient, RecipientError
from tui.cli.main import main

pytestmark = pytest.mark.slow


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["--platform", "sim", *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def raw_attest(sock: socket.socket, args: dict[str, object]) -> dict[str, object]:
    """One `attest` frame written by hand, as an attacker with no nitrodeck client would."""
    protocol.send_message(sock, protocol.make_request(7, "attest", args))
    reply = protocol.recv_message(sock, idle_timeout=30, frame_timeout=30)
    assert reply is not None
    return reply


def test_parent_key_never_becomes_the_kms_recipient(
    tmp_path: Path,
    platform: SimPlatform,
    capsys: pytest.CaptureFixture[str],
    nitrodeck_home: Path,
) -> None:
    eif = tmp_path / "demo.eif"
    build_demo_image(eif)
    request = RunRequest(eif_path=eif, memory_mib=512, cpu_count=2, enclave_name="demo")
    platform.run_enclave(request)
    parent_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    parent_pub = tmp_path / "parent.pub"
    parent_pub.write_bytes(
        parent_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    spki = parent_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    parent = EphemeralRecipient(parent_key)

    with LocalKms(home=Home.resolve(), log=lambda line: None) as server:
        secret = tmp_path / "secret.enc"
        code, out = cli(
            capsys, "kms", "create-demo-key", "--enclave-name", "demo", "--output", str(secret),
            "--endpoint-url", server.endpoint,
        )  # fmt: skip
        assert code == 0, out
        kms = boto3_client(KmsTarget(server.endpoint, "us-east-1", server.credentials_path))

        # 1. the command line refuses, and says why
        doc = tmp_path / "parentdoc.cose"
        code, out = cli(
            capsys, "attest", "--enclave-name", "demo", "--nonce", "01",
            "--public-key", str(parent_pub), "--out", str(doc),
        )  # fmt: skip
        assert code == 2 and "KMS recipient" in out and "Traceback" not in out
        assert not doc.exists()

        with connect_agent(platform, "demo", wait=10) as agent:
            # 2. the core client cannot send the field at all
            with pytest.raises(AgentError) as caught:
                agent.call("attest", {"nonce": b"\x01", "public_key": spki})
            assert caught.value.agent_code == protocol.REFUSED
            # 3. a hand-written frame reaches the agent inside the enclave and is refused there
            reply = raw_attest(agent.sock, {"nonce": b"\x01", "public_key": spki})
            assert reply["ok"] is False
            assert reply["error"] == {"code": "refused", "message": protocol.PUBLIC_KEY_REFUSED}
            # 4. what the parent can get: a document without a key, useless as a Recipient
            plain = agent.attest(nonce=b"\x01")
            # 5. and the recipient flow's document, whose key only the agent holds
            theirs = agent.recipient_key(nonce=b"\x02")
        ciphertext = secret.read_bytes()
        with pytest.raises(ClientError) as denied:
            kms.decrypt(CiphertextBlob=ciphertext, Recipient={"AttestationDocument": plain})
        assert denied.value.response["Error"]["Code"] == "ValidationException"
        answer = kms.decrypt(
            CiphertextBlob=ciphertext, Recipient={"AttestationDocument": theirs.document}
        )
        assert "Plaintext" not in answer
        with pytest.raises(RecipientError):
            parent.decrypt(bytes(answer["CiphertextForRecipient"]))


def test_raw_frame_over_a_fresh_vsock_connection_is_refused(
    tmp_path: Path, platform: SimPlatform, nitrodeck_home: Path
) -> None:
    """No nitrodeck code on the parent side at all: a socket, a CBOR frame, the refusal."""
    eif = tmp_path / "demo.eif"
    build_demo_image(eif)
    info = platform.run_enclave(
        RunRequest(eif_path=eif, memory_mib=512, cpu_count=2, enclave_name="demo")
    )
    with connect_agent(platform, "demo", wait=10) as warm:  # the agent is up
        warm.health()
    with AgentClient(platform.connect_vsock(info.cid, 5005, 10)) as raw:
        reply = raw_attest(raw.sock, {"public_key": b"\x30\x82" + bytes(40)})
    assert reply["ok"] is False and reply["error"]["code"] == "refused"  # type: ignore[index]
