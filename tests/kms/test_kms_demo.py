"""The demo key: its policy pins the running enclave's PCR0, and the whole flow works with it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.agent.client import connect_agent
from core.agent.demo import build_demo_image
from core.errors import NitrodeckError
from core.home import Home
from core.kms.client import recipient_decrypt
from core.kms.demo import create_demo_key, demo_key_policy, enclave_pcr0
from core.kms.explain import explain
from core.kms.inputs import proof_key
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, ADMIN_PROFILE, PRINCIPAL_ARN
from core.kms.local.server import LocalKms
from core.kms.target import KmsTarget, boto3_client
from core.platform.base import EnclaveInfo, RunRequest
from core.platform.sim.platform import SimPlatform
from tui.cli.main import main

PCR0 = "ab" * 48


def enclave(pcr0: str | None = PCR0, debug: bool = False) -> EnclaveInfo:
    measurements = {} if pcr0 is None else {"PCR0": pcr0, "PCR1": "cd" * 48}
    return EnclaveInfo("demo", "i-0-enc1", 1, 16, (1, 3), 512, "RUNNING", debug, measurements)


def test_policy_allows_decrypt_only_with_the_pinned_pcr0() -> None:
    policy = demo_key_policy(PCR0, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    pinned = explain(policy, principal=PRINCIPAL_ARN, pcrs={0: bytes.fromhex(PCR0)})
    other = explain(policy, principal=PRINCIPAL_ARN, pcrs={0: bytes(range(48))})
    bare = explain(policy, principal=PRINCIPAL_ARN, pcrs=None)
    assert pinned.decision.allowed
    assert not other.decision.allowed and not bare.decision.allowed
    assert "PCR0" in other.findings[0].message
    encrypt = explain(policy, principal=PRINCIPAL_ARN, action="kms:Encrypt")
    assert encrypt.decision.allowed  # the parent may encrypt, never decrypt


def test_enclave_without_pcr0_is_a_clear_error() -> None:
    with pytest.raises(NitrodeckError) as caught:
        enclave_pcr0(enclave(None))
    assert "PCR0" in caught.value.what and caught.value.fix
    with pytest.raises(NitrodeckError):
        demo_key_policy("not-hex", admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)


@pytest.fixture
def kms() -> Iterator[LocalKms]:
    with LocalKms(home=Home.resolve()) as server:
        yield server


def test_create_demo_key_with_a_fake_enclave(kms: LocalKms, tmp_path: Path) -> None:
    target = KmsTarget(kms.endpoint, "us-east-1", kms.credentials_path)
    admin, client = boto3_client(target, profile=ADMIN_PROFILE), boto3_client(target)
    demo = create_demo_key(
        admin,
        enclave(debug=True),
        admin=ADMIN_PRINCIPAL_ARN,
        decryptor=PRINCIPAL_ARN,
        alias="alias/demo",
        home=Home.resolve(),
    )
    assert demo.pcr0 == PCR0 and demo.debug_enclave and demo.plaintext_length == 32
    assert demo.ciphertext_path.stat().st_mode & 0o777 == 0o600
    policy = json.loads(client.get_key_policy(KeyId=demo.key_id, PolicyName="default")["Policy"])
    condition = policy["Statement"][2]["Condition"]["StringEqualsIgnoreCase"]
    assert condition == {"kms:RecipientAttestation:ImageSha384": PCR0}
    aliases = client.list_aliases()["Aliases"]
    assert any(a["AliasName"] == "alias/demo" and a["TargetKeyId"] == demo.key_id for a in aliases)
    with pytest.raises(Exception, match="AccessDenied"):  # the parent cannot decrypt it
        client.decrypt(CiphertextBlob=demo.ciphertext_path.read_bytes())


@pytest.mark.slow
def test_demo_key_decrypts_in_the_running_enclave(
    kms: LocalKms, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    eif = tmp_path / "demo.eif"
    build_demo_image(eif)
    platform = SimPlatform(home=Home.resolve())
    try:
        platform.run_enclave(
            RunRequest(eif_path=eif, memory_mib=512, cpu_count=2, enclave_name="d")
        )
        code = main(
            ["--platform", "sim", "kms", "create-demo-key", "--enclave-name", "d",
             "--endpoint-url", kms.endpoint, "--output", str(tmp_path / "s.enc"), "--json"]
        )  # fmt: skip
        out = capsys.readouterr().out
        assert code == 0, out
        made = json.loads(out)
        assert made["CiphertextFile"] == str(tmp_path / "s.enc") and not made["DebugEnclave"]
        client = boto3_client(KmsTarget(kms.endpoint, "us-east-1", kms.credentials_path))
        with connect_agent(platform, "d", wait=10) as agent:
            result = recipient_decrypt(
                agent,
                client,
                (tmp_path / "s.enc").read_bytes(),
                principal=lambda: PRINCIPAL_ARN,
                proof_key=proof_key("@" + made["ProofKeyFile"]),
            )
        assert made["ProofKeyFile"] == str(tmp_path / "s.enc.proof-key")
        assert (tmp_path / "s.enc.proof-key").stat().st_mode & 0o777 == 0o600
        assert result.ok and result.decrypted is not None
        assert result.decrypted.hmac_sha256 is not None
        assert result.decrypted.hmac_sha256.hex() == made["ExpectedProof"]
        assert result.decrypted.length == made["PlaintextLength"]
    finally:
        platform.terminate_enclave(all_enclaves=True)
        platform.close()
