"""`nitrodeck eif …` end to end through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from eif_support import RootfsFactory, SignerFactory

from core.eif import read_cmd_env, read_eif
from tui.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_build_sign_describe_diff(
    make_rootfs: RootfsFactory,
    make_signer: SignerFactory,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = make_rootfs()
    image = tmp_path / "app.eif"
    code, out, err = run(
        capsys, "eif", "build", "--rootfs", str(root), "--output", str(image),
        "--cmd", "python3 -c 'print(1)'", "--env", "A=1", "--name", "app",
    )  # fmt: skip
    assert code == 0
    built = json.loads(out)["Measurements"]
    assert list(built) == ["HashAlgorithm", "PCR0", "PCR1", "PCR2"]
    assert "Start building the Enclave Image..." in err
    assert read_cmd_env(image) == (["python3", "-c", "print(1)"], ["A=1"])

    cert, key = make_signer()
    code, out, err = run(
        capsys, "eif", "sign", "--eif-path", str(image), "--signing-certificate", str(cert),
        "--private-key", str(key),
    )  # fmt: skip
    assert code == 0 and "successfully signed" in err
    signed = json.loads(out)["Measurements"]
    assert signed["PCR0"] == built["PCR0"] and "PCR8" in signed

    code, out, _ = run(capsys, "eif", "describe", str(image), "--json")
    described = json.loads(out)
    assert code == 0 and described["IsSigned"] and described["SignatureCheck"]
    assert described["Measurements"] == signed and described["ImageName"] == "app"
    assert out.endswith("}\n") and '  "EifVersion": 4,' in out

    code, out, _ = run(capsys, "eif", "describe", str(image))
    assert code == 0 and "verifies" in out and built["PCR0"] in out

    code, out, _ = run(capsys, "eif", "pcr", "--signing-certificate", str(cert))
    assert json.loads(out) == {"PCR8": signed["PCR8"]}

    (root / "app" / "main.py").write_text("print('v2')\n")
    other = tmp_path / "v2.eif"
    assert run(capsys, "eif", "build", "--rootfs", str(root), "--output", str(other),
               "--cmd", "python3")[0] == 0  # fmt: skip
    code, out, _ = run(capsys, "eif", "diff", str(image), str(other))
    assert code == 0 and "rootfs/app/main.py" in out.splitlines()[0]
    code, out, _ = run(capsys, "eif", "diff", str(image), str(other), "--json")
    changed = [c["Path"] for c in json.loads(out)["Ramdisks"][0]["Changed"]]
    assert changed == ["cmd", "env", "rootfs/app/main.py"]  # new --cmd, no --env, new code


def test_describe_of_a_broken_file_is_a_clean_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.eif"
    junk.write_bytes(b"\x7fELF" + bytes(600))
    code, out, err = run(capsys, "eif", "describe", str(junk))
    assert code == 35 and out == ""
    assert "at byte 0 (0x0)" in err and "magic" in err


def test_pcr_needs_exactly_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "eif", "pcr")
    assert code == 2 and "exactly one" in err


def test_unbalanced_cmd_quotes(
    make_rootfs: RootfsFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "eif", "build", "--rootfs", str(make_rootfs()), "--output",
        str(tmp_path / "x.eif"), "--cmd", "echo 'unterminated",
    )  # fmt: skip
    assert code == 2 and "cannot be split" in err


def test_docker_uri_without_docker_via_subprocess(tmp_path: Path) -> None:
    """No Docker here: the command says so with the code nitro-cli's build-enclave gives when
    its pull fails (E50), no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "tui", "eif", "build", "--docker-uri", "hello:v1",
         "--output", str(tmp_path / "x.eif")],
        cwd=ROOT, capture_output=True, text=True,
        env={"PATH": str(tmp_path), "NITRODECK_HOME": str(tmp_path / "home")},
    )  # fmt: skip
    assert result.returncode == 50
    assert "\n[ E50 ] Docker image pull error." in result.stderr
    assert "needs Docker" in result.stderr and "Traceback" not in result.stderr


def test_build_output_is_readable(
    make_rootfs: RootfsFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "sub" / "x.eif"
    image.parent.mkdir()
    assert run(capsys, "eif", "build", "--rootfs", str(make_rootfs()), "--output", str(image),
               "--cmd", "true")[0] == 0  # fmt: skip
    assert read_eif(image).crc_ok
    assert [p.name for p in image.parent.iterdir()] == ["x.eif"]  # no work files left behind
