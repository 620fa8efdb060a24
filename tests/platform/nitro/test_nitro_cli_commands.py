"""`nitrodeck --platform nitro …` against a fixture parent and the nitro-cli stand-in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.platform.nitro.platform import NitroPlatform
from tui.cli.main import main

pytestmark = pytest.mark.slow


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--platform", "nitro", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_enclave_and_pool_commands(
    nitro: NitroPlatform, eifs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "pool", "show", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["Host"]["Platform"] == "nitro"
    assert shown["Pool"]["CPUList"] == "1,5" and shown["Pool"]["MemoryMiB"] == 512
    code, out, _ = run(capsys, "pool", "plan", "--cpu-count", "4", "--memory", "1024", "--json")
    assert code == 0 and json.loads(out)["CPUList"] == "1-2,5-6"
    code, out, err = run(
        capsys, "run-enclave", "--eif-path", str(eifs["printer"]), "--memory", "64",
        "--cpu-count", "2", "--debug-mode", "--enclave-name", "cli",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["EnclaveName"] == "cli", err
    code, out, _ = run(capsys, "describe-enclaves", "--metadata")
    (item,) = json.loads(out)
    assert item["EnclaveName"] == "cli" and item["Flags"] == "DEBUG_MODE" and "Metadata" in item
    code, out, _ = run(capsys, "console", "--enclave-name", "cli", "--disconnect-timeout", "2")
    assert code == 0 and "hello from the enclave" in out
    code, _, err = run(capsys, "pool", "apply", "--cpu-count", "4", "--memory", "1024")
    assert code == 1 and "at least one enclave currently running" in err
    code, _, err = run(capsys, "attest", "--enclave-name", "cli")
    assert code != 0 and "NITRODECK_VSOCK=off" in err  # a clear error, no AF_VSOCK connect
    code, out, _ = run(capsys, "terminate-enclave", "--enclave-name", "cli")
    assert code == 0 and json.loads(out)["Terminated"] is True
    code, _, err = run(capsys, "console", "--enclave-name", "cli")
    assert code == 58 and err.startswith("[ E58 ]")


def test_vsock_proxy_view(
    nitro: NitroPlatform, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, "vsock-proxy", "--region", "us-east-1", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["Warning"] is None
    assert {"address": "kms.us-east-1.amazonaws.com", "port": 443} in shown["Allowlist"]
    code, out, _ = run(capsys, "vsock-proxy", "--region", "eu-north-1")
    assert code == 1 and "kms.eu-north-1.amazonaws.com:443 is not in the allowlist" in out
