"""Attack: whoever reads a decrypt reply (the parent, a log, `--json` output) must not be able to
brute-force a low-entropy secret from it. A 4-digit PIN has 10,000 candidates; every byte string
and text in the reply is tried against every candidate under the usual unkeyed constructions.
With a proof key the operator can still check that the right secret arrived."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from core.agent.client import AgentClient, AgentError
from core.errors import NitrodeckError
from core.kms.client import recipient_decrypt
from core.kms.cms import build_ciphertext_for_recipient
from core.kms.inputs import proof_key
from core.kms.local.credentials import PRINCIPAL_ARN
from enclave_agent import protocol
from enclave_agent.recipient import seal_to

if TYPE_CHECKING:
    from tests.agent.conftest import Running

from tests.agent.conftest import PCR0
from tests.agent.test_agent_recipient_flow import policy

PIN = b"4821"
PROOF_KEY = bytes.fromhex("8d1f0c2a5b7e9a3c4d6f8e0b1a2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e")


def _values(value: Any) -> Iterator[bytes]:
    """Every byte string and text in a decoded reply, as bytes (text also hex-decoded)."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _values(item)
    elif isinstance(value, bytes | bytearray):
        yield bytes(value)
    elif isinstance(value, str):
        yield value.encode()
        for word in value.replace(",", " ").replace(":", " ").split():
            with contextlib.suppress(ValueError):
                yield bytes.fromhex(word)


def _unkeyed(candidate: bytes) -> set[bytes]:
    names = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_256", "blake2b")
    forms = {candidate, candidate.hex().encode()}
    forms |= {hashlib.new(name, candidate).digest() for name in names}
    forms |= {hmac.new(b"", candidate, "sha256").digest()}
    return forms | {form.hex().encode() for form in forms if len(form) >= 16}


def brute_force(reply: Any) -> list[bytes]:
    """The 4-digit PINs some value of `reply` gives away."""
    seen = set(_values(reply))
    return [pin for pin in (f"{n:04d}".encode() for n in range(10_000)) if _unkeyed(pin) & seen]


def _raw_decrypt(
    agent: Running, args: dict[str, Any], *, sealed: bytes | None = None
) -> dict[str, Any]:
    """The parent's view: the reply frame exactly as it crosses the vsock; `sealed`, a proof
    key sent sealed to the recipient key, as the client sends it."""
    with socket.create_connection(agent.address, timeout=10) as sock:
        protocol.send_message(sock, protocol.make_request(1, "recipient_key", {}))
        key = protocol.recv_message(sock, idle_timeout=5, frame_timeout=5)
        assert key is not None and key["ok"], key
        public_key = key["result"]["public_key"]
        blob = build_ciphertext_for_recipient(public_key, PIN)
        request = {"handle": key["result"]["handle"], "ciphertext": blob, **args}
        if sealed is not None:
            request["sealed_proof_key"] = seal_to(public_key, sealed)
        protocol.send_message(sock, protocol.make_request(2, "recipient_decrypt", request))
        reply = protocol.recv_message(sock, idle_timeout=5, frame_timeout=5)
    assert reply is not None
    return reply


def test_the_brute_force_finds_a_bare_digest() -> None:
    """The attack works on what the agent used to send (so its failures below mean something)."""
    leaked = {"length": 4, "sha256": hashlib.sha256(PIN).digest()}
    assert brute_force({"ok": True, "result": leaked}) == [PIN]


def test_a_decrypt_reply_without_a_proof_key_gives_away_nothing(agent: Running) -> None:
    reply = _raw_decrypt(agent, {})
    assert reply["ok"] and reply["result"] == {"length": len(PIN)}
    assert brute_force(reply) == []


def test_a_proof_under_the_operators_key_gives_away_nothing(agent: Running) -> None:
    reply = _raw_decrypt(agent, {}, sealed=PROOF_KEY)
    assert reply["ok"], reply
    assert brute_force(reply) == []
    # without the key, a guess cannot be checked; with it, the operator's check succeeds
    proof = reply["result"]["proof"]
    assert reply["result"]["proof_alg"] == "HMAC-SHA256"
    assert proof == hmac.new(PROOF_KEY, PIN, "sha256").digest()
    guessed_key = hmac.new(bytes(32), PIN, "sha256").digest()
    assert proof != guessed_key


@pytest.mark.parametrize(
    ("proof_key", "why"),
    [(b"short", "16..64"), (bytes(65), "16..64")],
)
def test_a_weak_proof_key_is_refused(agent: Running, proof_key: bytes, why: str) -> None:
    reply = _raw_decrypt(agent, {}, sealed=proof_key)
    assert not reply["ok"]
    assert reply["error"]["code"] == protocol.BAD_ARGS and why in reply["error"]["message"]


@pytest.mark.parametrize(
    ("args", "why"),
    [
        ({"proof_key": PROOF_KEY}, "in the clear crosses the parent"),  # the parent would know it
        ({"sealed_proof_key": "00" * 256}, "byte string"),
        ({"sealed_proof_key": bytes(256)}, "does not decrypt"),
    ],
)
def test_a_proof_key_not_sealed_to_the_recipient_is_refused(
    agent: Running, args: dict[str, Any], why: str
) -> None:
    reply = _raw_decrypt(agent, args)
    assert not reply["ok"]
    assert reply["error"]["code"] == protocol.BAD_ARGS and why in reply["error"]["message"]


def test_an_agent_that_still_sends_a_digest_is_not_believed(
    start_agent: Callable[..., Running],
) -> None:
    """An older agent (inside an image built before this fix): its digest is dropped, and a proof
    key it ignored is an error, never a silent "verified"."""
    agent = start_agent()
    old = agent.server.ops.table
    original = old["recipient_decrypt"]

    def older(args: Any) -> dict[str, Any]:
        original({k: v for k, v in args.items() if k != "sealed_proof_key"})
        return {"length": len(PIN), "sha256": hashlib.sha256(PIN).digest()}

    old["recipient_decrypt"] = older
    with AgentClient(agent.connect(), timeout=10) as c:
        key = c.recipient_key()
        blob = build_ciphertext_for_recipient(key.public_key, PIN)
        result = c.recipient_decrypt(key.handle, blob)
        assert result.length == len(PIN) and result.hmac_sha256 is None and result.older_agent
        assert brute_force(vars(result)) == []
        key = c.recipient_key()
        blob = build_ciphertext_for_recipient(key.public_key, PIN)
        with pytest.raises(AgentError, match="older agent"):
            c.recipient_decrypt(key.handle, blob, proof_key=PROOF_KEY, sealed_to=key.public_key)


def test_the_flows_output_gives_away_nothing(
    start_sim_agent: Callable[..., Running], local_kms: tuple[Any, list[str]]
) -> None:
    """Through KMS with `Recipient` on the simulated NSM: the JSON `kms decrypt --json` prints and
    each step's text, with and without a proof key."""
    kms, _ = local_kms
    key_id = kms.create_key(Policy=policy(PCR0.hex()))["KeyMetadata"]["KeyId"]
    blob = bytes(kms.encrypt(KeyId=key_id, Plaintext=PIN)["CiphertextBlob"])
    agent = start_sim_agent()
    for key in (None, PROOF_KEY):
        with AgentClient(agent.connect(), timeout=30) as c:
            result = recipient_decrypt(c, kms, blob, principal=lambda: PRINCIPAL_ARN, proof_key=key)
        assert result.ok and result.decrypted is not None, result.steps
        shown = json.loads(json.dumps(result.to_json()))
        assert shown["plaintext"]["length"] == len(PIN)
        assert brute_force(shown) == []
        if key is not None:
            expected = hmac.new(PROOF_KEY, PIN, "sha256").hexdigest()
            assert shown["plaintext"]["hmac_sha256"] == expected
        else:
            assert shown["plaintext"]["hmac_sha256"] is None


def test_the_proof_key_is_read_as_hex_or_from_a_file(tmp_path: Path) -> None:
    raw = bytes(range(100, 132))
    (tmp_path / "hex.key").write_text(raw.hex() + "\n")
    (tmp_path / "raw.key").write_bytes(raw)
    assert proof_key(raw.hex()) == proof_key(f"@{tmp_path / 'hex.key'}") == raw
    assert proof_key(f"@{tmp_path / 'raw.key'}") == raw
    for text, words in [
        ("4821", "2 bytes"),
        ("not hex", "neither hex nor @FILE"),
        (f"@{tmp_path / 'missing'}", "cannot read the proof key"),
    ]:
        with pytest.raises(NitrodeckError, match=words) as caught:
            proof_key(text)
        assert caught.value.fix and "urandom" in caught.value.fix
