"""The command line: nitro-cli's argument errors and exit codes, pool commands, --config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.errors import NitrodeckError
from core.home import Home
from core.platform import local, select
from core.platform.sim.launcher import boot_timeout
from core.platform.sim.platform import SimPlatform
from tui.cli.main import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("argv", "code", "text"),
    [
        (["--memory", "128", "--cpu-count", "2"], 1, "`eif-path`"),
        (["--eif-path", "x.eif", "--cpu-count", "2"], 1, "`memory`"),
        (["--eif-path", "x.eif", "--memory", "128"], 1, "`cpu-count`"),
        (["--eif-path", "x.eif", "--memory", "1", "--cpu-count", "2", "--cpu-ids", "1"], 2, "both"),
        (["--eif-path", "x.eif", "--memory", "12K", "--cpu-count", "2"], 3, "`memory`"),
        (["--eif-path", "x.eif", "--memory", "128", "--cpu-count", "two"], 3, "`cpu-count`"),
        (
            ["--eif-path", "x.eif", "--memory", "128", "--cpu-count", "2", "--enclave-cid", "2"],
            3,
            "",
        ),
        (["--eif-path", "missing.eif", "--memory", "128", "--cpu-count", "2"], 19, "missing.eif"),
    ],
)
def test_run_enclave_argument_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: int, text: str
) -> None:
    got, out, err = run_cli(capsys, "run-enclave", *argv)
    assert got == code
    assert out == ""
    assert f"[ E{code:02d} ]" in err and text in err
    assert f"cli-errors.html#E{code:02d}" in err


def test_config_file_conflicts_and_serde(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "run.json"
    config.write_text(json.dumps({"eif_path": "x.eif", "memory_mib": 128, "cpu_count": 2}))
    assert run_cli(capsys, "run-enclave", "--config", str(config), "--memory", "5")[0] == 2
    config.write_text("{not json")
    assert run_cli(capsys, "run-enclave", "--config", str(config))[0] == 17
    config.write_text(
        json.dumps({"eif_path": "x.eif", "memory_mib": 128, "cpu_ids": [1, 3], "cpu_count": 2})
    )
    assert run_cli(capsys, "run-enclave", "--config", str(config))[0] == 2
    config.write_text(json.dumps({"eif_path": "x.eif", "memory_mib": 128}))
    assert run_cli(capsys, "run-enclave", "--config", str(config))[0] == 1


@pytest.mark.slow
def test_config_file_and_attach_console(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, eifs: dict[str, Path]
) -> None:
    config = tmp_path / "run.json"
    config.write_text(
        json.dumps(
            {"eif_path": str(eifs["quick"]), "memory_mib": 64, "cpu_count": 2, "enclave_name": "q"}
        )
    )
    code, out, err = run_cli(capsys, "run-enclave", "--config", str(config), "--attach-console")
    assert code == 0, err
    head, _, stream = out.partition("}\n")
    assert json.loads(head + "}")["EnclaveName"] == "q"
    assert stream.startswith("Connecting to the console for enclave 16...\n")
    assert "bye" in stream and "payload exited with status 0" in stream


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        ([], 1),
        (["--enclave-id", "a", "--all"], 2),
        (["--enclave-name", "nope"], 58),
        (["--enclave-id", "i-0-enc1"], 40),
    ],
)
def test_terminate_errors(capsys: pytest.CaptureFixture[str], argv: list[str], code: int) -> None:
    assert run_cli(capsys, "terminate-enclave", *argv)[0] == code


def test_describe_is_an_empty_array(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "describe-enclaves") == (0, "[]\n", "")


def test_pool_show_plan_apply(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run_cli(capsys, "--profile", "m5.xlarge", "pool", "show", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["Host"]["InstanceType"] == "m5.xlarge"
    assert shown["Pool"]["CPUs"] == [1, 3] and shown["Pool"]["MemoryMiB"] == 512
    code, out, _ = run_cli(capsys, "--profile", "m5.xlarge", "pool", "plan", "--cpu-pool", "0,1")
    assert code == 1 and "CPU 0 and its siblings" in out and "full cores" in out
    code, out, _ = run_cli(capsys, "--profile", "m5.xlarge", "pool", "plan", "--memory", "256")
    # A plan is a preview: it never says "Successfully allocated" before anything is applied.
    assert code == 0 and "Successfully" not in out and "Applying would allocate" in out
    yaml = tmp_path / "allocator.yaml"
    yaml.write_text("---\nmemory_mib: 1024\ncpu_count: 2\n")
    code, out, _ = run_cli(
        capsys, "--profile", "m5.xlarge", "pool", "apply", "--config", str(yaml), "--json"
    )
    applied = json.loads(out)
    assert code == 0 and applied["Pool"]["MemoryMiB"] == 1024
    assert applied["Plan"]["Steps"][-1].startswith("Successfully allocated Nitro Enclaves")
    code, _, err = run_cli(capsys, "--profile", "m5.xlarge", "pool", "apply", "--cpu-count", "4")
    assert code == 1 and "Failed to find suitable CPUs" in err


def test_unknown_profile_and_platform_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(NitrodeckError, match="unknown simulated instance profile"):
        SimPlatform("m5.huge", home=Home.resolve())
    assert isinstance(select.open_platform("sim", "c6g.4xlarge", home=Home.resolve()), SimPlatform)
    assert select.open_platform("nitro", None, home=Home.resolve()).name == "nitro"
    monkeypatch.setenv("NITRODECK_SYSROOT", "/nonexistent")
    assert local.default_platform_name() == "sim"


@pytest.mark.parametrize(
    ("eif", "mib", "seconds"),
    [(2 << 30, 512, 180.0), (6 << 30, 100 << 10, 180.0), ((6 << 30) + 1, (100 << 10) + 1, 360.0)],
)
def test_boot_timeout_formula(eif: int, mib: int, seconds: float) -> None:
    assert boot_timeout(eif, mib) == seconds


def test_identity_is_configurable_and_kept() -> None:
    sim = SimPlatform("m5.xlarge", home=Home.resolve())
    first = sim.host_info()
    assert first.instance_id.startswith("i-0") and len(first.instance_id) == 19
    sim.set_identity(role_arn="arn:aws:iam::111122223333:role/parent", region="eu-west-1")
    sim.close()
    again = SimPlatform("m5.xlarge", home=Home.resolve()).host_info()
    assert again.instance_id == first.instance_id
    assert (again.role_arn, again.region) == ("arn:aws:iam::111122223333:role/parent", "eu-west-1")


def test_no_heartbeat_in_time_is_e36(tmp_path: Path) -> None:
    import os

    from core.nitro_errors import NitroCliError
    from core.platform.sim import launcher, vsock

    server = vsock.listen(tmp_path / "cid_16.sock_9000")
    with pytest.raises(NitroCliError) as caught:  # an alive "supervisor" that never calls
        launcher._await_heartbeat(server, os.getpid(), tmp_path, 0.2)
    server.close()
    assert caught.value.exit_code == 36


def test_old_saved_consoles_are_pruned(tmp_path: Path) -> None:
    import os

    from core.platform.sim.launcher import prune_ended

    for i in range(5):
        (tmp_path / f"e{i}").mkdir()
        (tmp_path / f"e{i}" / "ended").touch()
        os.utime(tmp_path / f"e{i}" / "ended", (1000 + i, 1000 + i))
    (tmp_path / "running").mkdir()
    prune_ended(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e3", "e4", "running"]


def test_a_relayed_failure_prints_its_root_cause(
    capsys: pytest.CaptureFixture[str], eifs: dict[str, Path], tmp_path: Path
) -> None:
    damaged = tmp_path / "damaged.eif"
    data = bytearray(eifs["printer"].read_bytes())
    data[-1] ^= 0xFF  # the CRC no longer holds: the enclave process refuses the image
    damaged.write_bytes(bytes(data))
    argv = ["run-enclave", "--eif-path", str(damaged), "--memory", "128", "--cpu-count", "2"]
    code, out, err = run_cli(capsys, *argv)
    assert code == 35 and out == ""  # nitrodeck exits with the root cause, the chain is shown
    assert err.index("[ E39 ]") < err.index("root cause: E35 the image cannot be read")
    assert "surfaced as: E35 -> E39" in err and "nitrodeck explain E35" in err


def test_pool_plan_refuses_a_pool_no_enclave_fits_in(capsys: pytest.CaptureFixture[str]) -> None:
    """4 MiB would reserve two hugepages, but every enclave needs the driver's 64 MiB."""
    code, out, _ = run_cli(capsys, "--profile", "m5.xlarge", "pool", "plan", "--memory", "4")
    assert code == 1 and "below the 64 MiB every enclave needs" in out
    assert "would reserve" not in out.lower() and "✓" not in out
    code, out, _ = run_cli(capsys, "--profile", "m5.xlarge", "pool", "plan", "--memory", "64")
    assert code == 0
