"""Every operation against the simulated NSM, and the recipient flow with the local KMS in process.

The documents here are real (COSE_Sign1 signed by the simulator's PKI), so the local KMS verifies
them and evaluates the key policy exactly as it would for an enclave on the simulator.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from core.agent.client import AgentClient, AgentError
from core.attestation import Verifier, parse_document, sim_root_anchor
from core.home import Home
from core.kms.client import recipient_decrypt
from core.kms.local.credentials import PRINCIPAL_ARN
from enclave_agent import protocol

if TYPE_CHECKING:
    from tests.agent.conftest import Running

from tests.agent.conftest import PCR0

SECRET = b"0123456789abcdef0123456789abcdef-inside-only"


def policy(pcr0_hex: str, *, get_key_policy: bool = True) -> str:
    admin = ["kms:Create*", "kms:Describe*", "kms:Encrypt", "kms:PutKeyPolicy", "kms:Disable*"]
    admin.append("kms:ScheduleKeyDeletion")
    if get_key_policy:
        admin.append("kms:GetKeyPolicy")
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "admin",
                    "Effect": "Allow",
                    "Principal": {"AWS": PRINCIPAL_ARN},
                    "Action": admin,
                    "Resource": "*",
                },
                {
                    "Sid": "enclave",
                    "Effect": "Allow",
                    "Principal": {"AWS": PRINCIPAL_ARN},
                    "Action": "kms:Decrypt",
                    "Resource": "*",
                    "Condition": {
                        "StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": pcr0_hex}
                    },
                },
            ],
        }
    )


def encrypted(kms: Any, pcr0_hex: str, **kwargs: bool) -> bytes:
    key = kms.create_key(Policy=policy(pcr0_hex, **kwargs))["KeyMetadata"]["KeyId"]
    return bytes(kms.encrypt(KeyId=key, Plaintext=SECRET)["CiphertextBlob"])


def client(agent: Running) -> AgentClient:
    return AgentClient(agent.connect(), timeout=30)


def test_every_op_on_the_simulated_nsm(start_sim_agent: Callable[..., Running]) -> None:
    agent = start_sim_agent()
    with client(agent) as c:
        assert c.health().status == "ok"
        described = c.describe()
        assert described.pcrs[0].value == PCR0 and described.pcrs[0].locked
        assert not described.pcrs[16].locked
        new = c.extend_pcr(17, b"app config")
        assert new == hashlib.sha384(bytes(48) + b"app config").digest()
        c.lock_pcr(17)
        with pytest.raises(AgentError) as caught:
            c.extend_pcr(17, b"again")
        assert caught.value.agent_code == protocol.NSM_ERROR
        assert len(c.random(300)) == 300
        document = c.attest(nonce=b"nonce-1", user_data=b"hello")
    report = Verifier([sim_root_anchor(Home.resolve())]).verify(document, at=datetime.now(UTC))
    assert report.ok, report
    doc = parse_document(document)
    assert (doc.nonce, doc.user_data, doc.public_key) == (b"nonce-1", b"hello", None)
    assert doc.pcrs[17] == new  # locked user PCRs appear in the document


def test_decrypt_when_the_policy_pins_the_image(
    start_sim_agent: Callable[..., Running], local_kms: tuple[Any, list[str]]
) -> None:
    kms, kms_log = local_kms
    blob = encrypted(kms, PCR0.hex())
    agent = start_sim_agent()
    steps: list[str] = []
    with client(agent) as c:
        result = recipient_decrypt(
            c, kms, blob, principal=lambda: PRINCIPAL_ARN, on_step=lambda s: steps.append(s.name)
        )
    assert result.ok and result.decrypted is not None
    assert result.decrypted.length == len(SECRET)
    assert result.decrypted.hmac_sha256 is None  # no proof key: the length alone
    assert steps == ["enclave key", "kms decrypt", "enclave decrypt"]
    everything = json.dumps(result.to_json()) + "".join(kms_log) + "".join(agent.log)
    assert SECRET.decode() not in everything and SECRET.hex() not in everything


def test_other_image_is_denied_and_explained(
    start_sim_agent: Callable[..., Running], local_kms: tuple[Any, list[str]]
) -> None:
    kms, _ = local_kms
    blob = encrypted(kms, hashlib.sha384(b"the image built last week").hexdigest())
    with client(start_sim_agent()) as c:
        result = recipient_decrypt(c, kms, blob, principal=lambda: PRINCIPAL_ARN)
    assert not result.ok
    assert [(s.name, s.status) for s in result.steps] == [
        ("enclave key", "ok"),
        ("kms decrypt", "denied"),
        ("key policy", "ok"),
        ("explain", "denied"),
    ]
    assert result.explanation is not None and not result.explanation.debug_mode
    assert "PCR0" in result.explanation.summary
    assert PCR0.hex() in result.explanation.summary  # the actual value, for the fix


def test_debug_mode_is_denied_and_explained(
    start_sim_agent: Callable[..., Running], local_kms: tuple[Any, list[str]]
) -> None:
    kms, _ = local_kms
    blob = encrypted(kms, PCR0.hex())
    with client(start_sim_agent(debug=True)) as c:
        result = recipient_decrypt(c, kms, blob, principal=lambda: PRINCIPAL_ARN)
    assert not result.ok and result.explanation is not None
    assert result.explanation.debug_mode
    assert "debug mode" in result.explanation.summary


def test_get_key_policy_denied_is_reported(
    start_sim_agent: Callable[..., Running], local_kms: tuple[Any, list[str]]
) -> None:
    kms, _ = local_kms
    blob = encrypted(kms, "00" * 48, get_key_policy=False)
    with client(start_sim_agent()) as c:
        result = recipient_decrypt(c, kms, blob, principal=lambda: PRINCIPAL_ARN)
    policy_step = result.steps[2]
    assert (policy_step.name, policy_step.status) == ("key policy", "failed")
    assert "GetKeyPolicy was denied too" in policy_step.detail
    assert result.explanation is None


def test_kms_error_other_than_denial_is_a_failed_step(
    start_sim_agent: Callable[..., Running], local_kms: tuple[Any, list[str]]
) -> None:
    kms, _ = local_kms
    with client(start_sim_agent()) as c:
        result = recipient_decrypt(c, kms, b"\x01\x02garbage", principal=lambda: PRINCIPAL_ARN)
    assert not result.ok
    assert result.steps[-1].name == "kms decrypt" and result.steps[-1].status == "failed"


def test_agent_failure_is_a_failed_first_step(local_kms: tuple[Any, list[str]]) -> None:
    kms, _ = local_kms

    class Broken:
        def recipient_key(self) -> None:
            raise AgentError("the agent closed the connection during recipient_key")

    result = recipient_decrypt(Broken(), kms, b"x", principal=lambda: PRINCIPAL_ARN)  # type: ignore[arg-type]
    assert [(s.name, s.status) for s in result.steps] == [("enclave key", "failed")]
    assert "closed the connection" in result.steps[0].detail


@pytest.mark.parametrize(
    "change,named", [("disable_key", "Disabled"), ("schedule_key_deletion", "pending deletion")]
)
def test_key_state_is_named_as_the_cause(
    start_sim_agent: Callable[..., Running],
    local_kms: tuple[Any, list[str]],
    change: str,
    named: str,
) -> None:
    kms, _ = local_kms
    blob = encrypted(kms, PCR0.hex())
    key = kms.describe_key(KeyId=kms.list_keys()["Keys"][0]["KeyId"])["KeyMetadata"]["Arn"]
    getattr(kms, change)(KeyId=key)
    with client(start_sim_agent()) as c:
        result = recipient_decrypt(c, kms, blob, principal=lambda: PRINCIPAL_ARN)
    assert not result.ok
    assert [(s.name, s.status) for s in result.steps] == [
        ("enclave key", "ok"),
        ("kms decrypt", "failed"),
        ("key state", "denied"),
    ]
    detail = result.steps[-1].detail
    assert named in detail and key in detail
    assert ("enable-key" if change == "disable_key" else "cancel-key-deletion") in detail
