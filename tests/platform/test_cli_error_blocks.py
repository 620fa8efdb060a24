"""Every nitrodeck command shows a coded failure the same way: the `[ Exx ]` block run-enclave
prints, with a fix line, on stderr only (stdout stays JSON-only under --json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.cli.main import main

E19 = "[ E19 ] File operation failure. Such error appears when the system fails"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--platform", "sim", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "argv",
    [
        ["eif", "describe", "missing.eif"],
        ["eif", "describe", "missing.eif", "--json"],
        ["eif", "diff", "missing.eif", "missing.eif", "--json"],
        ["pool", "fit", "--eif-path", "missing.eif", "--json"],
        ["eif", "pcr", "--input", "missing.bin"],
        ["kms", "decrypt", "--enclave-name", "x", "--ciphertext-file", "missing.enc", "--json"],
        ["run-enclave", "--eif-path", "missing.eif", "--memory", "512", "--cpu-count", "2"],
        ["run-enclave", "--config", "missing.json"],
        ["eif", "pcr", "--signing-certificate", "missing.pem"],
    ],
)
def test_a_missing_file_is_the_same_e19_block_everywhere(
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert (code, out) == (19, "")
    assert err.startswith(E19)
    assert "missing." in err  # which file
    assert "\n\nFor more details, please visit https://docs.aws.amazon.com/enclaves/" in err
    assert "\nfix: check " in err
    assert "Errno" not in err  # the OS's words, not Python's repr of them


@pytest.mark.parametrize(
    "argv",
    [
        ["attestation", "verify", "doc.cose", "--policy", "missing.json"],
        ["fleet", "status", "--fleet-file", "missing.txt"],
    ],
)
def test_an_unreadable_option_file_says_its_fix(
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """These refused a missing file with the OS's words alone: no fix line."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doc.cose").write_bytes(b"\x84")
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert "missing." in err and "No such file or directory" in err
    assert len(err.split("\n  fix: ")) == 2, err  # one fix, after the error
    assert "Traceback" not in err


def test_memory_0_states_one_minimum(
    capsys: pytest.CaptureFixture[str], eifs: dict[str, Path]
) -> None:
    code, _, err = run(
        capsys, "run-enclave", "--eif-path", str(eifs["quick"]), "--memory", "0", "--cpu-count", "2"
    )
    assert code == 26
    assert "the driver's own minimum is 64 MiB, so this image needs at least 64 MiB" in err
    assert "fix: run with --memory 64 or more" in err


def test_hugepage_rounding_is_said_at_launch(
    capsys: pytest.CaptureFixture[str], eifs: dict[str, Path]
) -> None:
    assert run(capsys, "pool", "apply", "--memory", "1024", "--cpu-count", "2")[0] == 0
    code, out, err = run(
        capsys,
        "run-enclave",
        "--eif-path",
        str(eifs["quick"]),
        "--memory",
        "128",
        "--cpu-count",
        "2",
        "--enclave-name",
        "rounded",
    )
    try:
        assert code == 0 and json.loads(out)["MemoryMiB"] == 1024
        assert "you asked 128 MiB, the enclave got 1024 MiB" in err
    finally:
        run(capsys, "terminate-enclave", "--all")
