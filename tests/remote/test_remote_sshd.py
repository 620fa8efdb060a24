"""The remote engine over a real OpenSSH server on loopback and the system ssh client."""

from __future__ import annotations

import hmac
import json
import shlex
import sys
from pathlib import Path

import pytest
from sshd_harness import remote_command

from core.agent.client import connect_agent
from core.home import Home, nitrodeck_home
from core.nitro_errors import NitroCliError
from core.platform.base import RunRequest
from core.remote.protocol import PROTOCOL_VERSION, RemoteError, VersionMismatchError
from core.remote.target import Target, open_target
from tui.cli.main import main

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sshd")]


def run_on_a(image: Path, name: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """`run-enclave` on host-a from the command line; returns the --host words."""
    host = ["--host", "ssh://host-a"]
    run = [*host, "run-enclave", "--eif-path", str(image), "--memory", "256", "--cpu-count", "2"]
    assert main([*run, "--enclave-name", name]) == 0
    capsys.readouterr()
    return host


def test_cli_drives_a_remote_parent_and_files_land_locally(
    home_a_by_default: Path,
    agent_images: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    host = run_on_a(agent_images[0], "web", capsys)
    # The image was copied to the remote home, and the enclave runs there, not here.
    assert list((home_a_by_default / "images" / "staged").glob("*/agent-v1.eif"))
    assert main([*host, "describe-enclaves"]) == 0
    assert '"EnclaveName": "web"' in capsys.readouterr().out
    out = tmp_path / "operator" / "doc.cbor"
    out.parent.mkdir()
    assert main([*host, "attest", "--enclave-name", "web", "--out", str(out)]) == 0
    assert out.stat().st_size > 1000
    assert not list(home_a_by_default.rglob("doc.cbor"))


def test_errors_keep_their_e_code_and_fix(
    home_a_by_default: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--host", "ssh://host-a", "terminate-enclave", "--enclave-name", "nope"])
    err = capsys.readouterr().err
    assert code == 58
    assert "[ E58 ]" in err and "fix: list the running enclaves" in err


def test_console_streams_and_agent_calls_cross_the_connection(
    ssh_env: Path, remote_homes: dict[str, Path], agent_images: tuple[Path, Path]
) -> None:
    target = Target(name="a", host="ssh://host-a", remote_command=remote_command(remote_homes["a"]))
    platform = open_target(target, home=Home.resolve())
    try:
        request = RunRequest(agent_images[0], 256, cpu_count=2, debug_mode=True, enclave_name="d")
        info = platform.run_enclave(request)
        with connect_agent(platform, "d", wait=10.0) as agent:
            assert "attest" in " ".join(agent.health().ops)
        stream = platform.console(info.enclave_id, follow=True)
        seen = b""
        for chunk in stream:
            seen += chunk
            if len(seen) > 200:
                break
        stream.close()
        assert seen, "the remote console sent nothing"
        with pytest.raises(NitroCliError) as caught:
            platform.find_enclave(enclave_name="missing")
        assert caught.value.exit_code == 58
    finally:
        platform.close()


def test_unreachable_and_hanging_hosts_are_clear_errors(ssh_env: Path) -> None:
    with pytest.raises(RemoteError) as hang:
        open_target(Target(name="h", host="ssh://host-hang"), timeout=1.5, home=Home.resolve())
    assert "no answer within 1.5 s" in str(hang.value)
    with pytest.raises(RemoteError) as missing:
        open_target(
            Target(name="x", host="ssh://host-a", remote_command="/nonexistent/nitrodeck"),
            home=Home.resolve(),
        )
    assert "not found" in str(missing.value) or "No such file" in str(missing.value)


def test_a_version_mismatch_names_both_versions(ssh_env: Path, tmp_path: Path) -> None:
    fake = tmp_path / "old_nitrodeck.py"
    fake.write_text(
        "import sys, cbor2, struct\n"
        "m = cbor2.dumps({'t': 'hello', 'protocol': 99, 'version': '9.9.9'})\n"
        "sys.stdout.buffer.write(struct.pack('>I', len(m)) + m); sys.stdout.flush()\n"
        "sys.stdin.read()\n"
    )
    command = shlex.join([sys.executable, str(fake)])
    with pytest.raises(VersionMismatchError) as caught:
        open_target(
            Target(name="old", host="ssh://host-a", remote_command=command), home=Home.resolve()
        )
    message = str(caught.value)
    ours = f"protocol {PROTOCOL_VERSION}"
    assert "9.9.9" in message and "protocol 99" in message and ours in message


def test_a_chatty_login_shell_is_named_not_misread(ssh_env: Path) -> None:
    with pytest.raises(RemoteError) as caught:
        open_target(
            Target(name="c", host="ssh://host-a", remote_command="echo Welcome to"),
            home=Home.resolve(),
        )
    assert "Welcome" in str(caught.value) and "fix:" in str(caught.value)


def test_kms_calls_reach_the_remotes_own_local_kms(
    home_a_by_default: Path,
    agent_images: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    host = run_on_a(agent_images[0], "vault", capsys)
    secret = tmp_path / "operator" / "secret.bin"
    demo = [*host, "kms", "create-demo-key", "--enclave-name", "vault", "--output", str(secret)]
    assert main([*demo, "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert secret.exists()  # the ciphertext lands here; the key lives in the remote's KMS
    assert (home_a_by_default / "kms").is_dir()
    assert not (nitrodeck_home() / "kms").exists()  # no KMS was started on this side
    decrypt = [*host, "kms", "decrypt", "--enclave-name", "vault", "--ciphertext-file"]
    proof = ["--proof-key", "@" + made["ProofKeyFile"]]
    assert main([*decrypt, str(secret), *proof, "--json"]) == 0
    result = json.dumps(json.loads(capsys.readouterr().out))
    assert made["ExpectedProof"] in result

    # encrypt too goes through the connection, so the platform stays open until it returns
    plain, sealed = tmp_path / "plain.txt", tmp_path / "operator" / "sealed.bin"
    plain.write_bytes(b"operator data")
    encrypt = [*host, "kms", "encrypt", "--key-id", made["KeyId"], "--plaintext-file"]
    assert main([*encrypt, str(plain), "--output", str(sealed)]) == 0
    assert main([*decrypt, str(sealed), *proof, "--json"]) == 0
    key = bytes.fromhex(Path(made["ProofKeyFile"]).read_text().strip())
    assert hmac.new(key, b"operator data", "sha256").hexdigest() in capsys.readouterr().out
