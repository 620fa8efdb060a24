"""End to end on the simulator: the demo image, the agent, the local KMS and the command line.

One key whose policy pins the demo image's PCR0. The same ciphertext then goes to three enclaves:
the pinned image (decrypts: length and SHA-256 match), a rebuilt image with one file changed
(denied; the explainer names PCR0) and the pinned image in debug mode (denied; the explainer says
debug mode). The plaintext must not appear in anything the parent side prints or logs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.agent.demo import build_demo_image
from core.attestation import parse_document
from core.home import Home
from core.kms.local.credentials import PRINCIPAL_ARN
from core.kms.local.server import LocalKms
from core.kms.target import KmsTarget, boto3_client
from core.platform.base import RunRequest
from core.platform.sim.platform import SimPlatform
from tui.cli.main import main

pytestmark = pytest.mark.slow

SECRET = b"e2e data key: 7f3a9c0d5e1b4a2f8c6d0e9b1a3f5c7e"


def key_policy(pcr0: str) -> str:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "admin",
            "Effect": "Allow",
            "Principal": {"AWS": PRINCIPAL_ARN},
            "Action": ["kms:Create*", "kms:Describe*", "kms:Encrypt", "kms:*KeyPolicy"],
            "Resource": "*",
        },
        {
            "Sid": "enclave-only",
            "Effect": "Allow",
            "Principal": {"AWS": PRINCIPAL_ARN},
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": pcr0}},
        },
    ]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


@pytest.fixture
def kms() -> Iterator[tuple[LocalKms, list[str]]]:
    log: list[str] = []
    with LocalKms(home=Home.resolve(), log=log.append) as server:
        yield server, log


def run(platform: SimPlatform, eif: Path, name: str, *, debug: bool) -> str:
    request = RunRequest(
        eif_path=eif, memory_mib=512, cpu_count=2, debug_mode=debug, enclave_name=name
    )
    return platform.run_enclave(request).enclave_id


def console_logs(home: Path) -> list[str]:
    """Every console the simulator captured (debug enclaves; kept after the enclave ends)."""
    return [
        p.read_text(errors="replace") for p in sorted(home.glob("sim/*/enclaves/*/console.log"))
    ]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["--platform", "sim", *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_recipient_flow_end_to_end(
    tmp_path: Path,
    platform: SimPlatform,
    kms: tuple[LocalKms, list[str]],
    capsys: pytest.CaptureFixture[str],
    nitrodeck_home: Path,
) -> None:
    server, kms_log = kms
    endpoint = server.endpoint
    outputs: list[str] = []

    pinned = tmp_path / "demo.eif"
    measurements = build_demo_image(pinned)
    assert build_demo_image(tmp_path / "again.eif") == measurements  # reproducible
    rebuilt = tmp_path / "demo-v2.eif"
    assert build_demo_image(rebuilt, extra_files={"/app/VARIANT": b"v2"}).pcr0 != measurements.pcr0

    client = boto3_client(KmsTarget(endpoint, "us-east-1", server.credentials_path))
    key_id = client.create_key(Policy=key_policy(measurements.pcr0))["KeyMetadata"]["KeyId"]
    plaintext_file = tmp_path / "secret.bin"
    plaintext_file.write_bytes(SECRET)
    ciphertext = tmp_path / "secret.enc"
    code, out = cli(
        capsys, "kms", "encrypt", "--key-id", key_id, "--plaintext-file", str(plaintext_file),
        "--output", str(ciphertext), "--endpoint-url", endpoint,
    )  # fmt: skip
    assert code == 0, out
    outputs.append(out)
    decrypt = ("kms", "decrypt", "--ciphertext-file", str(ciphertext), "--endpoint-url", endpoint)

    # 1. the pinned image decrypts; only the length and a proof under the operator's key come out
    enclave = run(platform, pinned, "pinned", debug=False)
    proof_key = b"operator's proof key, 32 bytes!!"
    code, out = cli(capsys, *decrypt, "--enclave-name", "pinned", "--proof-key", proof_key.hex())
    outputs.append(out)
    assert code == 0, out
    assert f"plaintext: {len(SECRET)} bytes" in out
    assert hmac.new(proof_key, SECRET, "sha256").hexdigest() in out
    assert hashlib.sha256(SECRET).hexdigest() not in out
    document = tmp_path / "doc.cose"
    code, out = cli(capsys, "attest", "--enclave-name", "pinned", "--nonce", "c0ffee",
                    "--out", str(document))  # fmt: skip
    outputs.append(out)
    assert code == 0, out
    parsed = parse_document(document.read_bytes())
    assert parsed.nonce == bytes.fromhex("c0ffee") and parsed.pcrs[0].hex() == measurements.pcr0
    code, out = cli(capsys, "agent", "extend-pcr", "--enclave-name", "pinned", "--index", "16",
                    "--data", "616263")  # fmt: skip
    assert code == 0 and hashlib.sha384(bytes(48) + b"abc").hexdigest() in out, out
    code, out = cli(capsys, "agent", "lock-pcr", "--enclave-name", "pinned", "--index", "16")
    assert code == 0, out
    code, out = cli(capsys, "agent", "extend-pcr", "--enclave-name", "pinned", "--index", "4",
                    "--data", "00")  # fmt: skip
    assert code != 0 and "16..31" in out, out
    code, out = cli(capsys, "agent", "describe", "--enclave-name", "pinned", "--json")
    described = json.loads(out[: out.rindex("}") + 1])
    assert described["PCRs"][16]["Locked"] and described["PCRs"][0]["Value"] == measurements.pcr0
    platform.terminate_enclave(enclave_name="pinned")

    # 2. a rebuilt image: denied, and the explainer names PCR0
    enclave = run(platform, rebuilt, "rebuilt", debug=False)
    code, out = cli(capsys, *decrypt, "--enclave-name", "rebuilt")
    outputs.append(out)
    assert code == 1, out
    assert "AccessDeniedException" in out
    assert "why: denied: PCR0 in the policy" in out
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(key_policy(measurements.pcr0))
    code, out = cli(capsys, "kms", "explain", "--policy", str(policy_file),
                    "--enclave-name", "rebuilt")  # fmt: skip
    outputs.append(out)
    assert code == 1 and "PCR0" in out, out
    platform.terminate_enclave(enclave_name="rebuilt")

    # 3. the pinned image in debug mode: denied, and the explainer says why
    enclave = run(platform, pinned, "debug", debug=True)
    code, out = cli(capsys, *decrypt, "--enclave-name", "debug", "--json")
    outputs.append(out)
    assert code == 1, out
    result = json.loads(out[: out.rindex("}") + 1])
    assert result["explanation"]["debug_mode"] is True
    assert "debug mode" in result["explanation"]["summary"]
    stream = platform.console(enclave, follow=False, history=True)  # debug: console allowed
    debug_console = b"".join(stream).decode(errors="replace")
    stream.close()
    assert "nitrodeck-agent: listening on vsock port 5005" in debug_console
    platform.terminate_enclave(enclave_name="debug")

    consoles = console_logs(nitrodeck_home)  # only debug enclaves have a console, as on Nitro
    assert consoles and all("nitrodeck-agent: listening" in c for c in consoles), consoles
    # the plaintext never reached the parent side
    text = "\n".join([*outputs, *consoles, *kms_log, debug_console])
    for form in (SECRET.decode(), SECRET.hex(), SECRET[:16].decode()):
        assert form not in text
