"""Choosing a target on the command line: --host, --context, env, saved contexts; `ctx`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.platform import select
from core.remote.target import Target
from tui.cli.main import build_parser, main
from tui.contexts import resolve_target


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("NITRODECK_CONFIG", str(tmp_path / "config.json"))
    for name in ("NITRODECK_HOST", "NITRODECK_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    yield tmp_path / "config.json"
    select.set_target(None)


def test_global_host_does_not_take_kms_serves_host() -> None:
    args = build_parser().parse_args(["kms", "serve", "--host", "127.0.0.1"])
    assert args.remote_host is None and args.host == "127.0.0.1"
    args = build_parser().parse_args(["--host", "ssh://h", "describe-enclaves"])
    assert args.remote_host == "ssh://h"


def test_precedence_is_dockers(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["ctx", "add", "lab", "--home", "/tmp/lab"]) == 0
    assert main(["ctx", "add", "prod", "--host", "ssh://ec2-user@prod"]) == 0
    assert resolve_target(None, None) == Target(name="local")
    assert main(["ctx", "use", "lab"]) == 0
    assert resolve_target(None, None) == Target(name="lab", home="/tmp/lab")
    monkeypatch.setenv("NITRODECK_CONTEXT", "prod")
    assert resolve_target(None, None).host == "ssh://ec2-user@prod"
    monkeypatch.setenv("NITRODECK_HOST", "ssh://envhost")
    assert resolve_target(None, None).host == "ssh://envhost"
    assert resolve_target(None, "lab").home == "/tmp/lab"
    assert resolve_target("ssh://flag", "lab").host == "ssh://flag"


def test_ctx_list_json_and_bad_names(isolated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["ctx", "add", "lab", "--home", "/tmp/lab", "--remote-command", "nd", "--json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["home"] == "/tmp/lab"
    assert main(["ctx", "use", "lab"]) == 0
    capsys.readouterr()
    assert main(["ctx", "list", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["lab"]["current"] and rows["lab"]["remote_command"] == "nd"
    assert not rows["local"]["current"]
    assert main(["--context", "nope", "describe-enclaves"]) == 2
    assert "no context named 'nope'" in capsys.readouterr().err
    assert main(["ctx", "add", "local", "--home", "/x"]) == 2
    assert main(["--host", "http://x", "describe-enclaves"]) == 2
    capsys.readouterr()
    assert main(["ctx", "remove", "lab", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"name": "lab", "removed": True}
    assert "current_context" not in json.loads(isolated.read_text())


def test_a_contexts_trust_is_checked_kept_here_and_reaches_its_members(
    isolated: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from core.fleet.targets import parse_hosts
    from tui.contexts import load_contexts

    pin = "sha256:" + "3f" * 32
    assert main(["ctx", "add", "b", "--host", "ssh://h-b", "--trust", pin.upper()]) == 0
    (tmp_path / "root.pem").write_text("a PEM")
    monkeypatch.chdir(tmp_path)
    assert main(["ctx", "add", "c", "--host", "ssh://h-c", "--trust", "root.pem"]) == 0
    for bad in ("sha256:abc", "no-such-file.pem", "simulator"):
        assert main(["ctx", "add", "d", "--host", "ssh://h-d", "--trust", bad]) == 2
        assert "--trust" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["ctx", "list", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["b"]["trust"] == pin  # one spelling: lower-case hex
    assert rows["c"]["trust"] == str(tmp_path / "root.pem")  # absolute: cwd changes later
    assert "d" not in rows
    members = parse_hosts("b,c,ssh://h-e", load_contexts())
    assert [m.trust for m in members] == [pin, str(tmp_path / "root.pem"), None]


def test_a_broken_settings_file_is_named(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    isolated.write_text('{"contexts": {"a": {"host": 5}}, "current_context": "a"}')
    assert main(["describe-enclaves"]) == 1
    err = capsys.readouterr().err
    assert "context 'a' must map" in err and str(isolated) in err


@pytest.mark.slow
def test_fleet_demo_is_a_local_fleet_that_status_reads_by_default(
    isolated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fleet", "demo", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in made] == ["sim-1", "sim-2", "sim-3"]
    assert main(["ctx", "use", "sim-2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["current"] is True
    assert main(["fleet", "status", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["sim-1", "sim-2", "sim-3"]
    assert all(r["reachable"] and r["platform"] == "sim" and r["enclaves"] == [] for r in rows)
    assert len({r["instance_id"] for r in rows}) == 3  # three separate simulated parents
