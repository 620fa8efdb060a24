"""nitro-cli mode: each difference issue 23 measured against nitro-cli 1.5 now behaves as nitro-cli.

Run in process through `tui.cli.nitro_cli.simulated` (the simulator's side of the mode) and
`nitrodeck nitro-cli …`; every expectation is nitro-cli 1.5's own (its `create_app!`, parser,
error blocks and exit statuses), not nitrodeck's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from nitro_fixtures import RUN_ENCLAVE_FIELDS

from tui.cli.main import main
from tui.cli.nitro_cli import simulated

E39_TAIL = "Failed connections: 1\n[ E39 ] Enclave process connection failure."
LOG_LINE = re.compile(
    r"\n\nIf you open a support ticket, please provide the error log found at "
    r'"[^"]+err[^"]+\.log"\n'
)


def nitro_cli(capsys: pytest.CaptureFixture[str], *words: str) -> tuple[int, str, str]:
    code = simulated(list(words))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def clean() -> Iterator[None]:
    """Every enclave a test starts ends with it."""
    yield
    simulated(["terminate-enclave", "--all"])


def test_version_and_both_ways_in(capsys: pytest.CaptureFixture[str]) -> None:
    assert nitro_cli(capsys, "--version") == (0, "Nitro CLI 1.5.0\n", "")
    assert main(["nitro-cli", "--version"]) == 0
    assert capsys.readouterr().out == "Nitro CLI 1.5.0\n"
    assert main(["--platform", "sim", "nitro-cli", "describe-enclaves"]) == 0
    assert capsys.readouterr().out == "[]\n"
    assert main(["--platform", "sim", "nitro-cli", "--version"]) == 0  # nitro-cli's flag
    assert capsys.readouterr().out == "Nitro CLI 1.5.0\n"


def test_missing_required_argument_is_claps_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = nitro_cli(capsys, "describe-eif")
    assert (code, out) == (2, "")
    assert err == (
        "error: the following required arguments were not provided:\n  --eif-path <eif-path>\n\n"
        "Usage: nitro-cli describe-eif --eif-path <eif-path>\n\n"
        "For more information, try '--help'.\n"
    )
    assert nitro_cli(capsys, "run-enclave", "--cpu-count", "2", "--cpu-ids", "1")[0] == 2
    assert nitro_cli(capsys, "explain", "E19")[0] == 2  # --error-code is the only way
    assert nitro_cli(capsys, "no-such-command")[0] == 2
    assert nitro_cli(capsys)[0] == 2  # no subcommand: the help, on stderr


def test_describe_eif_of_a_missing_file_is_e35(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = nitro_cli(capsys, "describe-eif", "--eif-path", "missing.eif")
    assert (code, out) == (35, "")
    assert err.startswith("[ E35 ] EIF file parsing error.")
    assert (
        "\n\nFor more details, please visit https://docs.aws.amazon.com/enclaves/latest/user/"
        "cli-errors.html#E35" in err
    )
    assert LOG_LINE.search(err)


def test_backtrace_1_prints_the_backtrace_before_the_log_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKTRACE", "1")
    err = nitro_cli(capsys, "describe-eif", "--eif-path", "missing.eif")[2]
    assert "#E35\n\nBacktrace:\n  Action: Describe EIF\n  Subactions:\n    " in err
    assert err.index("  Version: 1.5.0\n\nIf you open a support ticket") > 0


@pytest.mark.parametrize("flag", ["--input", "--signing-certificate"])
def test_pcr_of_a_missing_file_is_e19(capsys: pytest.CaptureFixture[str], flag: str) -> None:
    code, out, err = nitro_cli(capsys, "pcr", flag, "missing")
    assert (code, out) == (19, "")
    assert err.startswith("[ E19 ] File operation failure.")


def test_pcr_of_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_bytes(b"abc")
    code, out, _ = nitro_cli(capsys, "pcr", "--input", str(data))
    assert code == 0 and list(json.loads(out)) == ["PCR"] and out.startswith('{\n  "PCR": "')


def test_explain_takes_error_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = nitro_cli(capsys, "explain", "--error-code", "E19")
    assert (code, out) == (0, "")
    assert err.startswith("File operation failure. Such error appears when the system fails")
    assert nitro_cli(capsys, "explain", "--error-code", "E58")[2] == "No such error code E58\n"


def _signer(directory: Path) -> tuple[Path, Path]:
    from pem_pairs import write_self_signed

    return write_self_signed(directory, name="deploy signer")


def test_sign_eif_then_pcr8_agrees(
    capsys: pytest.CaptureFixture[str], eifs: dict[str, Path], tmp_path: Path
) -> None:
    eif = tmp_path / "signed.eif"
    eif.write_bytes(eifs["quick"].read_bytes())
    cert, key = _signer(tmp_path)
    code, out, err = nitro_cli(
        capsys,
        "sign-eif",
        "--eif-path",
        str(eif),
        "--signing-certificate",
        str(cert),
        "--private-key",
        str(key),
    )
    assert (code, err) == (0, "Enclave Image successfully signed.\n")
    pcr8 = json.loads(out)["Measurements"]["PCR8"]
    assert json.loads(nitro_cli(capsys, "pcr", "--signing-certificate", str(cert))[1]) == {
        "PCR8": pcr8
    }
    assert (
        nitro_cli(
            capsys, "sign-eif", "--signing-certificate", str(cert), "--private-key", str(key)
        )[0]
        == 1
    )  # no --eif-path: E01


def test_build_enclave_without_a_docker_daemon_is_e50(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(
        "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
        "Is the docker daemon running?' >&2\nexit 1\n"
    )
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    output = tmp_path / "app.eif"
    code, out, err = nitro_cli(
        capsys, "build-enclave", "--docker-uri", "app:latest", "--output-file", str(output)
    )
    assert (code, out) == (50, "")
    assert err.startswith("Start building the Enclave Image...\n[ E50 ] Docker image pull error.")
    assert output.exists()  # nitro-cli creates the output before it pulls


@pytest.mark.parametrize(
    ("flags", "inner"),
    [
        (["--memory", "0", "--cpu-count", "2"], "[ E26 ] Insufficient memory requested."),
        (["--memory", "512", "--cpu-count", "4"], "[ E22 ] Insufficient CPUs available"),
        (["--memory", "0", "--cpu-count", "4"], "[ E22 ] Insufficient CPUs available"),
        (["--memory", "512", "--cpu-ids", "2", "6"], "[ E21 ] No such CPU available in the pool"),
        (["--memory", "32", "--cpu-count", "2"], "[ E29 ] Ioctl failure."),
        (["--memory", "100000", "--cpu-count", "2"], "[ E27 ] Insufficient memory available."),
    ],
)
def test_run_enclave_failing_inside_the_enclave_process_is_relayed_then_e39(
    capsys: pytest.CaptureFixture[str], eifs: dict[str, Path], flags: list[str], inner: str
) -> None:
    code, out, err = nitro_cli(capsys, "run-enclave", "--eif-path", str(eifs["quick"]), *flags)
    assert (code, out) == (39, "")
    assert err.index(inner) < err.index(E39_TAIL)
    assert len(LOG_LINE.findall(err)) == 2


def test_run_enclave_of_a_missing_image_is_e19_then_e39(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = nitro_cli(
        capsys, "run-enclave", "--eif-path", "gone.eif", "--memory", "512", "--cpu-count", "2"
    )
    assert code == 39
    assert err.startswith(
        "[ E19 ] File operation failure. Such error appears when the system fails to perform "
    )  # before any memory is allocated: no "Start allocating memory..."
    assert "\nFile: 'gone.eif', failing operation: 'Open'.\n\n" in err and E39_TAIL in err


def test_argument_errors_belong_to_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = nitro_cli(
        capsys, "run-enclave", "--eif-path", "x.eif", "--memory", "12K", "--cpu-count", "2"
    )
    assert code == 3 and "Failed connections" not in err
    assert err.startswith(
        "[ E03 ] Invalid argument provided. The parameter `memory` is not a valid integer (`12K`)"
    )


def _config(tmp_path: Path, **fields: object) -> str:
    path = tmp_path / "run.json"
    path.write_text(json.dumps(fields))
    return str(path)


def test_config_ignores_unknown_fields(
    capsys: pytest.CaptureFixture[str], eifs: dict[str, Path], tmp_path: Path, clean: None
) -> None:
    config = _config(
        tmp_path,
        eif_path=str(eifs["printer"]),
        memory_mib=512,
        cpu_count=2,
        enclave_name="cfg",
        owner="team-a",
    )
    code, out, err = nitro_cli(capsys, "run-enclave", "--config", config)
    assert code == 0, err
    assert json.loads(out)["EnclaveName"] == "cfg" and json.loads(out)["MemoryMiB"] == 512


@pytest.mark.parametrize(
    "fields",
    [
        {"cpu_count": 2},
        {"memory_mib": "512", "cpu_count": 2},
        {"memory_mib": 512.5, "cpu_count": 2},
    ],
)
def test_config_needs_memory_as_a_number(
    capsys: pytest.CaptureFixture[str],
    eifs: dict[str, Path],
    tmp_path: Path,
    fields: dict[str, object],
) -> None:
    config = _config(tmp_path, eif_path=str(eifs["printer"]), **fields)
    code, out, err = nitro_cli(capsys, "run-enclave", "--config", config)
    assert (code, out) == (17, "")
    assert err.startswith("[ E17 ] Serde error.")


def test_config_without_cpus_is_e01(
    capsys: pytest.CaptureFixture[str], eifs: dict[str, Path], tmp_path: Path
) -> None:
    config = _config(tmp_path, eif_path=str(eifs["printer"]), memory_mib=512)
    code, _, err = nitro_cli(capsys, "run-enclave", "--config", config)
    assert code == 1
    assert err.startswith(
        "[ E01 ] Missing mandatory argument. User did not provide the `MISSING_INFO`"
    )


def test_enclave_lifecycle_prints_nitro_clis_lines(
    capsys: pytest.CaptureFixture[str], eifs: dict[str, Path], clean: None
) -> None:
    code, out, err = nitro_cli(
        capsys,
        "run-enclave",
        "--eif-path",
        str(eifs["printer"]),
        "--memory",
        "512",
        "--cpu-count",
        "2",
        "--debug-mode",
    )
    assert code == 0
    started = json.loads(out)
    assert list(started) == RUN_ENCLAVE_FIELDS
    assert err == (
        "Start allocating memory...\nStarted enclave with enclave-cid: "
        f"{started['EnclaveCID']}, memory: 512 MiB, cpu-ids: [1, 5]\n"
    )
    code, out, _ = nitro_cli(capsys, "describe-enclaves", "--metadata")
    assert code == 0 and json.loads(out)[0]["Flags"] == "DEBUG_MODE" and "Metadata" in out
    code, out, _ = nitro_cli(
        capsys, "console", "--enclave-name", "printer", "--disconnect-timeout", "2"
    )
    assert code == 0 and out.startswith(
        f"Connecting to the console for enclave {started['EnclaveCID']}...\n"
        "Successfully connected to the console.\n"
    )
    code, out, err = nitro_cli(capsys, "terminate-enclave", "--enclave-id", started["EnclaveID"])
    assert code == 0 and json.loads(out) == {
        "EnclaveName": "printer",
        "EnclaveID": started["EnclaveID"],
        "Terminated": True,
    }
    assert err == f"Successfully terminated enclave {started['EnclaveID']}.\n"
    assert nitro_cli(capsys, "terminate-enclave", "--enclave-name", "printer")[0] == 58


def test_the_mode_starts_without_what_a_command_does_not_need() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from tui.cli.main import main; main(['nitro-cli', 'explain', "
        "'--error-code', 'E26']); heavy = ('boto3', 'textual', 'cryptography', "
        "'core.platform.sim.platform', 'core.eif.reader', 'tui.cli.eif');"
        "print([m for m in heavy if m in sys.modules])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout == "[]\n" and done.stderr.startswith("Insufficient memory requested.")


def _docker_archive(path: Path) -> Path:
    """A `docker save` archive of a one-layer image whose command is /app/run.sh."""
    import io
    import tarfile

    def add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), mode
        tar.addfile(info, io.BytesIO(data))

    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        add(tar, "app/run.sh", b"#!/bin/sh\necho hi\n", 0o755)
    config = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/app/run.sh"]}}
    manifest = [{"Config": "c.json", "RepoTags": ["shop/app:1"], "Layers": ["l/layer.tar"]}]
    with tarfile.open(path, "w") as tar:
        add(tar, "l/layer.tar", layer.getvalue())
        add(tar, "c.json", json.dumps(config).encode())
        add(tar, "manifest.json", json.dumps(manifest).encode())
    return path


def test_build_enclave_from_docker_with_metadata_and_signature(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nitro_fixtures import write_program

    archive = _docker_archive(tmp_path / "saved.tar")
    write_program(
        tmp_path / "bin",
        "docker",
        f'case "$1" in version) echo 24.0;; save) cp "{archive}" "$4";; *) exit 1;; esac',
    )
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:/usr/bin:/bin")
    meta = tmp_path / "meta.json"
    meta.write_text('{"Team": "payments"}')
    cert, key = _signer(tmp_path)
    output = tmp_path / "app.eif"
    code, out, err = nitro_cli(
        capsys,
        "build-enclave",
        "--docker-uri",
        "shop/app:1",
        "--output-file",
        str(output),
        "--name",
        "shop",
        "--version",
        "2.0",
        "--metadata",
        str(meta),
        "--signing-certificate",
        str(cert),
        "--private-key",
        str(key),
    )
    assert code == 0, err
    assert err == "Start building the Enclave Image...\nEnclave Image successfully created.\n"
    built = json.loads(out)["Measurements"]
    code, out, _ = nitro_cli(capsys, "describe-eif", "--eif-path", str(output))
    described = json.loads(out)
    assert code == 0 and described["Measurements"] == built and described["IsSigned"] is True
    assert (described["ImageName"], described["ImageVersion"]) == ("shop", "2.0")
    assert described["Metadata"]["Team"] == "payments"
