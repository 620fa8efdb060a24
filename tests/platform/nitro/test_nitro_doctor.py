"""The doctor on fixture parents: every real check with its evidence and its fix."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from nitro_fixtures import HostState, install_systemd, write_program

from core.checks import Check, CheckStatus
from core.platform.nitro.platform import NitroPlatform
from core.platform.nitro.sysfs import SysRoot
from tui.cli.main import main

REPO = Path(__file__).resolve().parents[3]


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_a_healthy_fixture_parent(
    make_root: Callable[..., SysRoot], nitro_cli: Path, bin_dir: Path
) -> None:
    root = make_root("m5.2xlarge", HostState(pool=(1, 5), pages={(0, 2048): 256}))
    install_systemd(bin_dir, root.root, REPO)
    write_program(bin_dir, "timedatectl", "echo yes")
    write_program(bin_dir, "docker", "echo 25.0.3")
    checks = by_name(NitroPlatform(sysroot=root).preflight())
    assert checks["enclave support enabled"].status is CheckStatus.PASS
    assert checks["nitro_enclaves driver loaded"].status is CheckStatus.PASS
    assert checks["allocator service active"].status is CheckStatus.PASS
    assert "node 0: 512 MiB reserved" in checks["hugepages reserved on the pool's node"].evidence
    assert checks["nitro-cli"].evidence.startswith("Nitro CLI 1.")
    assert checks["docker (for build-enclave --docker-uri)"].evidence == "daemon 25.0.3"
    assert checks["time synchronised"].evidence == "NTPSynchronized=yes"
    identity = checks["instance identity (IMDSv2)"]
    assert identity.status is CheckStatus.WARN and identity.evidence.startswith("from the host")
    assert checks["memory left for the parent"].evidence.startswith("32256 MiB of 32768 MiB")


def test_a_broken_parent_says_how_to_fix_each_thing(
    make_root: Callable[..., SysRoot], bin_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    root = make_root(
        "m5.2xlarge",
        HostState(pool=(1, 5), pages={}, proxy_yaml="allowlist:\n- {address: x, port: 1}\n"),
    )
    root.path("sys/module/nitro_enclaves").joinpath("parameters/ne_cpus").unlink()
    (root.path("sys/module/nitro_enclaves") / "parameters").rmdir()
    root.path("sys/module/nitro_enclaves").rmdir()
    root.path("dev/nitro_enclaves").unlink()
    checks = by_name(NitroPlatform(sysroot=root).preflight())
    support = checks["enclave support enabled"]
    assert not support.ok and "--enclave-options 'Enabled=true'" in support.hint
    assert "modprobe nitro_enclaves" in checks["nitro_enclaves driver loaded"].hint
    assert not checks["nitro-cli"].ok and "dnf install" in checks["nitro-cli"].hint
    assert not checks["hugepages reserved on the pool's node"].ok
    proxy = checks["vsock-proxy and its allowlist"]
    assert "kms.eu-central-1.amazonaws.com:443 is not in the allowlist" in proxy.evidence
    assert "address: kms.eu-central-1.amazonaws.com, port: 443" in proxy.hint
    assert checks["docker (for build-enclave --docker-uri)"].status is not CheckStatus.PASS


def test_doctor_json_on_the_nitro_platform(
    make_root: Callable[..., SysRoot],
    nitro_cli: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = make_root("m5.2xlarge", HostState(pool=(1, 5), pages={(0, 2048): 256}))
    monkeypatch.setenv("NITRODECK_SYSROOT", str(root.root))
    code = main(["--platform", "nitro", "doctor", "--json"])
    checks = json.loads(capsys.readouterr().out)
    names = [c["name"] for c in checks]
    assert "device usable by this user" in names and "vsock-proxy and its allowlist" in names
    assert code == (1 if any(c["status"] == "fail" for c in checks) else 0)
