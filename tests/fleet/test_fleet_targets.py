"""Reading fleet members: --hosts, fleet files, contexts; bad input names where and how."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import UsageError
from core.fleet.targets import parse_hosts, read_fleet_file
from core.remote.ssh import parse_ssh_url, ssh_argv
from core.remote.target import Target

CONTEXTS = {"prod": Target(name="prod", host="ssh://ec2-user@10.0.0.5", remote_command="nd")}


def test_hosts_mix_urls_homes_and_contexts() -> None:
    members = parse_hosts("ssh://u@h1:2222, home:/tmp/sim-2,prod", CONTEXTS)
    assert [(m.name, m.host, m.home) for m in members] == [
        ("u@h1:2222", "ssh://u@h1:2222", None),
        ("sim-2", None, "/tmp/sim-2"),
        ("prod", "ssh://ec2-user@10.0.0.5", None),
    ]
    assert members[2].remote_command == "nd"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ssh://-oProxyCommand=x", "names no valid host"),
        ("ssh://h:99999", "invalid port"),
        ("http://h", "not ssh://"),
        ("ssh://h,ssh://h", "listed twice"),
        ("", "names no host"),
    ],
)
def test_bad_hosts_are_refused_with_a_fix(text: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_hosts(text, CONTEXTS)
    assert message in str(caught.value) and caught.value.fix


def test_fleet_file_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "fleet"
    path.write_text("# web tier\nweb-1 ssh://ec2-user@10.0.0.5\n\nweb-2 prod  # saved\n")
    assert [(m.name, m.host) for m in read_fleet_file(path, CONTEXTS)] == [
        ("web-1", "ssh://ec2-user@10.0.0.5"),
        ("web-2", "ssh://ec2-user@10.0.0.5"),
    ]
    path.write_text("web-1 ssh://a\nweb-2 nowhere\n")
    with pytest.raises(UsageError) as caught:
        read_fleet_file(path, CONTEXTS)
    assert caught.value.where == f"{path}:2"


def test_ssh_argv_puts_the_host_after_the_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NITRODECK_SSH_COMMAND", "ssh -F '/my dir/config' -J bastion")
    monkeypatch.delenv("NITRODECK_REMOTE_COMMAND", raising=False)
    argv = ssh_argv(parse_ssh_url("ssh://ec2-user@10.0.0.5:2222"))
    assert argv[:5] == ["ssh", "-F", "/my dir/config", "-J", "bastion"]
    assert argv[-4:] == ["-p", "2222", "--", "10.0.0.5"] or argv[-3:-1] == ["--", "10.0.0.5"]
    assert argv[argv.index("-l") + 1] == "ec2-user"
    assert argv[-1] == "nitrodeck serve --stdio"


@given(st.text(max_size=40))
def test_any_host_text_parses_or_is_a_usage_error(text: str) -> None:
    try:
        url = parse_ssh_url("ssh://" + text)
    except UsageError:
        return
    assert not url.host.startswith("-") and url.host
    argv = ssh_argv(url, "nitrodeck")
    assert argv[argv.index("--") + 1] == url.host
