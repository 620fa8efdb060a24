"""AWS's own tools as ground truth: `eif_build` and nitro-cli 1.5's `describe-eif`.

`describe-eif` must print byte for byte what `nitrodeck eif describe --json` prints, for unsigned
and signed images; images `eif_build` builds and signs must read back in nitrodeck with the PCRs
it printed; images nitrodeck signs must pass its `SignatureCheck`. The tools are looked up in
`$NITRODECK_AWS_TOOLS`, then on PATH (see docs/eif.md). Where one is absent or cannot run here,
the whole module is skipped once with that reason, and `make ground-truth` fails instead: their
output is never faked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from core.eif import build_eif, read_eif, sign_eif
from tui.cli.main import main

SignerFactory = Callable[..., tuple[Path, Path]]
pytestmark = pytest.mark.slow
TOOLS_ENV = "NITRODECK_AWS_TOOLS"
REQUIRE_ENV = "NITRODECK_GROUND_TRUTH"  # `require`: missing tools fail (make ground-truth)
# The standalone `describe_eif`, or nitro-cli itself, whose `describe-eif` it reproduces.
DESCRIBERS = {"describe_eif": ["--eif-path"], "nitro-cli": ["describe-eif", "--eif-path"]}
HOW = (
    "get eif_build with `cargo install eif_build` (aws/aws-nitro-enclaves-image-format) and "
    "describe-eif with nitro-cli 1.5.0 (aws/aws-nitro-enclaves-cli; on Amazon Linux "
    "`sudo dnf install aws-nitro-enclaves-cli`) or as describe_eif, the same code built alone "
    "(docs/eif.md); then run `NITRODECK_AWS_TOOLS=DIR make ground-truth`"
)


def _find(name: str) -> Path | None:
    """`name` in `$NITRODECK_AWS_TOOLS` first, then on PATH."""
    directory = os.environ.get(TOOLS_ENV)
    if directory and os.access(Path(directory) / name, os.X_OK):
        return Path(directory) / name
    if name == "nitro-cli":  # never nitrodeck's own nitro-cli mode (`nitrodeck shellenv`)
        from core.errors import NitrodeckError
        from core.platform.nitro.nitro_cli import find_nitro_cli

        try:
            return Path(find_nitro_cli())
        except NitrodeckError:
            return None
    found = shutil.which(name)
    return Path(found) if found else None


def _unusable(path: Path) -> str | None:
    """Why `path` cannot run here (say, no libssl.so.3), or None when `--help` works."""
    try:
        probe = subprocess.run([str(path), "--help"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{path} cannot run here: {error}"
    if probe.returncode not in (0, 1, 2) or b"error while loading shared" in probe.stderr:
        return f"{path} cannot run here: {probe.stderr.decode(errors='replace')[:200]}"
    return None


def _locate() -> tuple[Path, list[str]]:
    """eif_build, and the command that describes an EIF; or the module's skip (or failure)."""
    builder = _find("eif_build")
    describer = next(
        ([str(path), *args] for name, args in DESCRIBERS.items() if (path := _find(name))), None
    )
    describer_path = Path(describer[0]) if describer else None
    found = {"eif_build": builder, "describe_eif or nitro-cli": describer_path}
    problems = []
    for name, path in found.items():
        problem = f"{name} not found" if path is None else _unusable(path)
        if problem:
            problems.append(problem)
    if problems:
        where = os.environ.get(TOOLS_ENV)
        reason = (
            f"AWS's tools for the EIF ground-truth tests: {'; '.join(problems)} (looked for "
            f"eif_build, describe_eif and nitro-cli in ${TOOLS_ENV}="
            f"{where if where else '(unset)'} and on PATH={os.environ.get('PATH', '')}); {HOW}"
        )
        if os.environ.get(REQUIRE_ENV) == "require":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)
    assert builder is not None and describer is not None
    return builder, describer


EIF_BUILD, DESCRIBE = _locate()


def nitro_cli_describe(eif: Path) -> bytes:
    done = subprocess.run([*DESCRIBE, str(eif)], capture_output=True, check=True)
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
    args = [str(EIF_BUILD), *_aws_inputs(tmp_path), "--output", str(output)]
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
