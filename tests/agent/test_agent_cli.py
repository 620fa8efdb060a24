"""The agent commands' argument and input errors: clear messages and exit codes, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core.kms.inputs import encryption_context, read_blob
from tui.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["--platform", "sim", *argv])
    captured = capsys.readouterr()
    return code, captured.err


def test_bad_hex_nonce(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "attest", "--enclave-name", "x", "--nonce", "zz")
    assert code == 2 and "--nonce 'zz' is not hex" in err


def test_attest_refuses_a_public_key_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused before any enclave is looked up: the option is never a way to bind a key."""
    key = ec.generate_private_key(ec.SECP384R1()).public_key()
    pem = tmp_path / "parent.pub"
    pem.write_bytes(
        key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    code, err = run(capsys, "attest", "--enclave-name", "x", "--public-key", str(pem))
    assert code == 2 and "Traceback" not in err
    assert "does not bind a public key you supply" in err
    assert "KMS recipient" in err and "nitrodeck kms decrypt" in err


def test_unknown_enclave_is_a_named_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "agent", "health", "--enclave-name", "nope", "--json")
    assert code != 0 and "Traceback" not in err and "unrecognized" not in err  # takes --json
    assert "No enclave matched" in err or "nope" in err
    for command in (
        ["random"],
        ["extend-pcr", "--index", "16", "--data", "00"],
        ["lock-pcr", "--index", "16"],
    ):
        code, err = run(capsys, "agent", *command, "--enclave-name", "nope", "--json")
        assert "unrecognized" not in err and "No enclave matched" in err


def test_ciphertext_file_forms(tmp_path: Path) -> None:
    raw = tmp_path / "raw.bin"
    raw.write_bytes(b"\x01\x02\xff")
    assert read_blob(raw) == b"\x01\x02\xff"
    b64 = tmp_path / "b64.txt"
    b64.write_text("AQL/\n")  # what `aws kms encrypt --output text` prints
    assert read_blob(b64) == b"\x01\x02\xff"


def test_missing_ciphertext_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(
        capsys, "kms", "decrypt", "--enclave-name", "x", "--ciphertext-file", str(tmp_path / "no")
    )
    # The same E19 block as run-enclave's missing --eif-path, with the flag to check.
    assert code == 19 and err.startswith("[ E19 ] File operation failure.")
    assert "cannot read the --ciphertext-file file: No such file" in err
    assert "fix: check --ciphertext-file: the file must exist" in err


def test_encryption_context_pairs() -> None:
    assert encryption_context(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    assert encryption_context([]) is None
    with pytest.raises(Exception, match="not K=V"):
        encryption_context(["novalue"])


def test_agent_outside_an_enclave_says_why(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("NITRODECK_NSM")}
    done = subprocess.run(
        [sys.executable, "-m", "enclave_agent", "--port", "5005"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "nitrodeck-agent: cannot start: no NSM" in done.stdout
    assert "Traceback" not in done.stderr
