"""On a real parent: nitro-cli mode hands the command to the real nitro-cli, never to itself, and
nitrodeck's own commands exit with the same root-cause code as on the simulator."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from nitro_fixtures import HostState, write_program

from core.platform.nitro.nitro_cli import find_nitro_cli
from core.platform.nitro.platform import NitroPlatform
from core.platform.nitro.sysfs import SysRoot
from tui.cli.main import main
from tui.cli.shellenv import install_link


@pytest.fixture
def parent(make_root: Callable[..., SysRoot], tmp_path: Path) -> dict[str, str]:
    """The environment of a real parent (the driver's device exists) with nitrodeck's own
    `nitro-cli` first on PATH."""
    root = make_root("m5.2xlarge", HostState(pool=(1, 5), pages={(0, 2048): 256}))
    ours = install_link(tmp_path / "ours")
    env = {k: v for k, v in os.environ.items() if k not in ("NITRODECK_NITRO_CLI",)}
    env.update(NITRODECK_SYSROOT=str(root.root), PATH=f"{ours.parent}:/usr/bin:/bin")
    return env


def _run(program: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [program, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def test_nitro_cli_mode_execs_the_real_nitro_cli(parent: dict[str, str], tmp_path: Path) -> None:
    real = write_program(tmp_path / "real", "nitro-cli", 'echo "real: $*"; exit 7')
    parent["PATH"] = f"{parent['PATH']}:{real.parent}"
    ours = parent["PATH"].split(":")[0] + "/nitro-cli"
    done = _run(ours, parent, "describe-enclaves", "--metadata")
    assert (done.returncode, done.stdout) == (7, "real: describe-enclaves --metadata\n")
    done = _run(sys.executable, parent, "-m", "tui", "nitro-cli", "--version")
    assert (done.returncode, done.stdout) == (7, "real: --version\n")


def test_with_only_nitrodeck_on_path_it_says_so_instead_of_calling_itself(
    parent: dict[str, str],
) -> None:
    ours = parent["PATH"].split(":")[0] + "/nitro-cli"
    done = _run(ours, parent, "describe-enclaves")
    assert done.returncode == 1 and "nitro-cli is not on PATH" in done.stderr
    parent["NITRODECK_NITRO_CLI"] = ours  # even when told to use nitrodeck: no loop
    done = _run(ours, parent, "describe-enclaves")
    assert done.returncode == 1 and "is nitrodeck itself" in done.stderr


def test_find_nitro_cli_passes_over_nitrodeck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = install_link(tmp_path / "ours")
    copy = tmp_path / "copy" / "nitro-cli"
    copy.parent.mkdir()
    copy.write_bytes(ours.read_bytes())
    copy.chmod(0o755)
    real = write_program(tmp_path / "real", "nitro-cli", "exit 0")
    monkeypatch.setenv("PATH", f"{ours.parent}:{copy.parent}:{real.parent}")
    assert find_nitro_cli() == str(real)


@pytest.mark.parametrize(
    ("flags", "code"),
    [
        (["--memory", "0", "--cpu-count", "2"], 26),
        (["--memory", "512", "--cpu-count", "4"], 22),
        (["--memory", "100000", "--cpu-count", "2"], 27),
    ],
)
def test_nitrodeck_exits_with_the_root_cause_on_both_platforms(
    nitro: NitroPlatform,
    eifs: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    code: int,
) -> None:
    argv = ["run-enclave", "--eif-path", str(eifs["quick"]), *flags]
    assert main(["--platform", "sim", *argv]) == code
    sim_err = capsys.readouterr().err
    assert main(["--platform", "nitro", *argv]) == code
    nitro_err = capsys.readouterr().err
    # On the parent nitro-cli relayed it inside E39; nitrodeck shows that chain, then the cause.
    assert f"[ E{code} ]" in sim_err and f"[ E{code} ]" in nitro_err
    assert f"surfaced as: E{code} -> E39" in nitro_err and "[ E39 ]" in nitro_err
