"""NitroPlatform driving a nitro-cli-shaped program end to end, plus recorded real error outputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from nitro_fixtures import write_program

from core.nitro_errors import EnclaveProcessError, NitroCliError
from core.platform.base import RunRequest
from core.platform.nitro.nitro_cli import NitroCli, find_nitro_cli
from core.platform.nitro.platform import NitroPlatform

pytestmark = pytest.mark.slow


def test_run_describe_console_terminate(nitro: NitroPlatform, eifs: dict[str, Path]) -> None:
    info = nitro.run_enclave(
        RunRequest(eifs["printer"], memory_mib=64, cpu_count=2, debug_mode=True, enclave_cid=21)
    )
    assert info.cid == 21 and info.debug and info.state == "RUNNING" and info.name == "printer"
    assert info.image_name == "printer" and info.measurements["PCR0"]
    # the same enclave is what plain nitro-cli reports: no second source of truth
    listed = json.loads(
        subprocess.run(
            ["nitro-cli", "describe-enclaves"], capture_output=True, text=True, check=True
        ).stdout
    )
    assert [e["EnclaveID"] for e in listed] == [info.enclave_id]
    assert nitro.find_enclave(enclave_name="printer") == info
    # NITRODECK_VSOCK=off: the console comes through `nitro-cli console`, banner stripped
    stream = nitro.console(info.enclave_id)
    seen = b""
    for chunk in stream:
        seen += chunk
        if b"line 4" in seen:
            break
    stream.close()
    assert b"hello from the enclave" in seen and b"Connecting to the console" not in seen
    assert nitro.pool_state().used_cpus == info.cpu_ids
    done = nitro.terminate_enclave(enclave_name="printer")
    assert [d.enclave_id for d in done] == [info.enclave_id]
    assert nitro.describe_enclaves() == []


def test_errors_keep_nitro_clis_code_and_text_with_the_err_logs_evidence(
    nitro: NitroPlatform, eifs: dict[str, Path]
) -> None:
    # The stand-in relays the enclave process's E22 and fails with E39, as nitro-cli does;
    # nitrodeck keeps the chain and exits with the root cause's code.
    with pytest.raises(EnclaveProcessError) as caught:
        nitro.run_enclave(RunRequest(eifs["printer"], memory_mib=64, cpu_count=3))
    error = caught.value
    assert error.code == "E39" and error.root.code == "E22" and error.root.exit_code == 22
    assert error.root.what.startswith("[ E22 ] Insufficient CPUs available in the pool.")
    assert "User provided `cpu-count` is 3" in error.root.what
    logs = [p.read_text() for p in nitro.sysroot.path("var/log/nitro_enclaves").glob("err*.log")]
    assert len(logs) == 2 and all("Action: Run Enclave" in log for log in logs)
    assert any("the pool holds 2 CPUs (1, 5)" in log for log in logs)
    assert "editing the `cpu_count` value" in (error.root.detail or "")  # the message's own hint


def test_console_of_a_production_enclave_is_e44(
    nitro: NitroPlatform, eifs: dict[str, Path]
) -> None:
    info = nitro.run_enclave(RunRequest(eifs["printer"], memory_mib=64, cpu_count=2))
    with pytest.raises(NitroCliError) as caught:
        nitro.console(info.enclave_id)
    assert caught.value.code == "E44"


def test_history_is_refused_on_a_real_parent(nitro: NitroPlatform) -> None:
    with pytest.raises(NitroCliError, match="keeps no console history"):
        nitro.console("i-0123456789abcdef0-enc1", history=True)


def test_unknown_id_and_name(nitro: NitroPlatform) -> None:
    with pytest.raises(NitroCliError) as by_id:
        nitro.find_enclave(enclave_id="i-0-enc9")
    with pytest.raises(NitroCliError) as by_name:
        nitro.find_enclave(enclave_name="nope")
    assert (by_id.value.code, by_name.value.code) == ("E40", "E58")


def test_missing_nitro_cli_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(Exception, match="dnf install -y aws-nitro-enclaves-cli"):
        find_nitro_cli()
    monkeypatch.setenv("NITRODECK_NITRO_CLI", "/nonexistent/nitro-cli")
    with pytest.raises(Exception, match="NITRODECK_NITRO_CLI"):
        find_nitro_cli()


def test_version_of_the_stand_in(nitro_cli: Path) -> None:
    assert NitroCli().version().startswith("Nitro CLI 1.")


# Recorded outputs (docs/nitro-cli.md §5): an expired signing certificate surfaces as the enclave
# process's error relayed, then E39 (the docs: "E36, E39 and E11"). Played by a program on PATH.
E39_RELAY = """Start allocating memory...
[ E59 ] EIF signature checker error. Such error appears when validation of the signing \
certificate fails.

For more details, please visit https://docs.aws.amazon.com/enclaves/latest/user/cli-errors.html#E59
If you open a support ticket, please provide the error log found at \
"/var/log/nitro_enclaves/err2024-03-01T10:00:00.000000000+00:00.log"
[ E39 ] Enclave process connection failure. Such error appears when the enclave manager fails \
to connect to at least one enclave process for retrieving the description information.

For more details, please visit https://docs.aws.amazon.com/enclaves/latest/user/cli-errors.html#E39
If you open a support ticket, please provide the error log found at \
"/var/log/nitro_enclaves/err2024-03-01T10:00:00.100000000+00:00.log"
"""
E59_LOG = """  Action: Run Enclave
  Subactions:
    Failed to handle all enclave process replies
    Failed to verify EIF signature
    Signature verification failed: certificate expired
  Root error file: src/enclave_proc/resource_manager.rs
  Root error line: 800
  Version: 1.2.2
"""


def test_recorded_e39_relay_surfaces_its_root_cause(
    nitro: NitroPlatform, tmp_path: Path, eifs: dict[str, Path]
) -> None:
    logs = nitro.sysroot.path("var/log/nitro_enclaves")
    logs.mkdir(parents=True)
    (logs / "err2024-03-01T10:00:00.000000000+00:00.log").write_text(E59_LOG)
    (tmp_path / "relay.txt").write_text(E39_RELAY)
    program = write_program(
        tmp_path / "real", "nitro-cli", f'cat "{tmp_path}/relay.txt" >&2\nexit 39'
    )
    with pytest.raises(NitroCliError) as caught:
        NitroCli(str(program)).json(["run-enclave", "--eif-path", str(eifs["printer"])])
    error = caught.value
    assert error.exit_code == 39 and error.code == "E39"
    assert isinstance(error.inner, NitroCliError) and error.inner.code == "E59"
    assert "certificate expired" in (error.inner.detail or "")
