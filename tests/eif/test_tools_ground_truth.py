"""AWS's own tools (../shared/tools) as ground truth: nitro-cli 1.5's describe-eif and eif_build.

`describe_eif` must print byte for byte what `nitrodeck eif describe --json` prints, for unsigned
and signed images; images `eif_build` builds and signs must read back in nitrodeck with the PCRs
it printed; images nitrodeck signs must pass its `SignatureCheck`. A tool that is absent or
cannot run here (e.g. no libssl.so.3) skips the test with that reason: its output is never faked.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from core.eif import build_eif, read_eif, sign_eif
from tui.cli.main import main

TOOLS = Path(__file__).resolve().parents[2].parent / "shared" / "tools"
SignerFactory = Callable[..., tuple[Path, Path]]
pytestmark = pytest.mark.slow


def tool(name: str) -> Path:
    """The tool's path, or a skip saying why it cannot be used."""
    path = TOOLS / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    try:
        probe = subprocess.run([str(path), "--help"], capture_output=True, timeout=30, check=False)
    except OSError as error:
        pytest.skip(f"{path} cannot run here: {error}")
    if probe.returncode not in (0, 1, 2) or b"error while loading shared" in probe.stderr:
        pytest.skip(f"{path} cannot run here: {probe.stderr.decode(errors='replace')[:200]}")
    return path


def nitro_cli_describe(eif: Path) -> bytes:
    done = subprocess.run(
        [str(tool("describe_eif")), "--eif-path", str(eif)], capture_output=True, check=True
    )
    return done.stdout


def nitrodeck_describe(eif: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> bytes:
    capsysbinary.readouterr()
    assert main(["eif", "describe", "--json", str(eif)]) == 0
    return capsysbinary.readouterr().out


@pytest.fixture
def ours(tmp_path: Path, make_rootfs: Callable[..., Path]) -> Path:
    _, path = build_eif(
        rootfs=make_rootfs(), output=tmp_path / "ours.eif", name="ours", version="1.2", cmd=["/x"]
    )
    return path


def test_describe_eif_unsigned_byte_for_byte(
    ours: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert nitrodeck_describe(ours, capsysbinary) == nitro_cli_describe(ours)


def test_images_nitrodeck_signs_pass_signature_check_byte_for_byte(
    ours: Path, make_signer: SignerFactory, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    cert, key = make_signer()
    measurements = sign_eif(ours, cert, key)
    theirs = nitro_cli_describe(ours)
    shown = json.loads(theirs)
    assert shown["IsSigned"] is True and shown["SignatureCheck"] is True
    assert shown["Measurements"]["PCR8"] == measurements.pcr8
    assert nitrodeck_describe(ours, capsysbinary) == theirs  # no CertificateValidity extra


def _aws_inputs(directory: Path) -> list[str]:
    (directory / "bzImage").write_bytes(bytes(range(256)) * 16)
    (directory / "bzImage.config").write_text(
        "#\n# Automatically generated file; DO NOT EDIT.\n"
        "# Linux/x86_64 4.14.256-209.484.amzn2.x86_64 Kernel Configuration\n"
    )
    (directory / "init.cpio.gz").write_bytes(b"\x1f\x8b" + bytes(2000))
    (directory / "app.cpio.gz").write_bytes(b"\x1f\x8b" + bytes(range(200)) * 3)
    return [
        "--kernel", str(directory / "bzImage"),
        "--kernel_config", str(directory / "bzImage.config"),
        "--cmdline", "reboot=k panic=30 pci=off nomodules console=ttyS0 init=/init",
        "--ramdisk", str(directory / "init.cpio.gz"),
        "--ramdisk", str(directory / "app.cpio.gz"),
        "--name", "aws-built",
        "--version", "2.0",
    ]  # fmt: skip


@pytest.mark.parametrize("signed", [False, True])
def test_images_eif_build_makes_read_with_its_pcrs(
    signed: bool,
    tmp_path: Path,
    make_signer: SignerFactory,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    output = tmp_path / "aws.eif"
    args = [str(tool("eif_build")), *_aws_inputs(tmp_path), "--output", str(output)]
    if signed:
        cert, key = make_signer()
        args += ["--signing-certificate", str(cert), "--private-key", str(key)]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    printed = json.loads(done.stdout[done.stdout.index("{") :])
    info = read_eif(output)
    mine = info.measurements.to_json()
    assert {k: mine[k] for k in printed} == printed
    assert ("PCR8" in printed) is signed and info.is_signed is signed
    assert info.crc_ok and (info.signature_ok is True) is signed
    assert nitrodeck_describe(output, capsysbinary) == nitro_cli_describe(output)
