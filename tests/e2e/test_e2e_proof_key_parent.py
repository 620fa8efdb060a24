"""Issue 19 item 4 (verification): the proof key must not cross the parent in the clear.

The parent relays every vsock byte between the operator's nitrodeck and the enclave's agent (over
ssh:// the remote host does). Were the proof key among those bytes, the parent would hold both
HMAC-SHA256(key, plaintext) and the key: a digest it can check guesses against, as the bare
SHA-256 was. Here the relay records what passes; the key must not be in it, and the proof must
still come out right."""

from __future__ import annotations

import hmac
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_e2e_recipient import SECRET, cli, key_policy, run

from core.agent.demo import build_demo_image
from core.home import Home
from core.kms.local.server import LocalKms
from core.kms.target import KmsTarget, boto3_client
from core.platform.sim.platform import SimPlatform

pytestmark = pytest.mark.slow
PROOF_KEY = b"operator's proof key, 32 bytes!!"


@pytest.fixture
def relayed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every byte the parent relays between nitrodeck and the agent, both ways."""
    seen: list[bytes] = []
    original = SimPlatform.connect_vsock

    def pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                seen.append(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()

    def tapped(
        self: SimPlatform, cid: int, port: int, timeout: float | None = None
    ) -> socket.socket:
        enclave_side = original(self, cid, port, timeout)
        ours, theirs = socket.socketpair()
        for source, sink in ((enclave_side, theirs), (theirs, enclave_side)):
            threading.Thread(target=pump, args=(source, sink), daemon=True).start()
        return ours

    monkeypatch.setattr(SimPlatform, "connect_vsock", tapped)
    yield seen


def test_the_parent_relaying_the_agent_never_sees_the_proof_key(
    tmp_path: Path,
    platform: SimPlatform,
    relayed: list[bytes],
    capsys: pytest.CaptureFixture[str],
    nitrodeck_home: Path,
) -> None:
    eif = tmp_path / "demo.eif"
    measurements = build_demo_image(eif)
    with LocalKms(home=Home.resolve()) as server:
        client = boto3_client(KmsTarget(server.endpoint, "us-east-1", server.credentials_path))
        key_id = client.create_key(Policy=key_policy(measurements.pcr0))["KeyMetadata"]["KeyId"]
        ciphertext = tmp_path / "secret.enc"
        ciphertext.write_bytes(client.encrypt(KeyId=key_id, Plaintext=SECRET)["CiphertextBlob"])
        run(platform, eif, "pinned", debug=False)
        code, out = cli(
            capsys, "kms", "decrypt", "--ciphertext-file", str(ciphertext), "--endpoint-url",
            server.endpoint, "--enclave-name", "pinned", "--proof-key", PROOF_KEY.hex(),
        )  # fmt: skip
    assert code == 0, out
    assert hmac.new(PROOF_KEY, SECRET, "sha256").hexdigest() in out
    traffic = b"".join(relayed)
    assert traffic  # the agent was reached through the relay
    assert PROOF_KEY not in traffic
