"""Fast start of remote commands: a command with an ssh:// target starts its session first,
uses that one, sends its hello without waiting for the far end's, and never leaves a stray
session behind (bench/fast_start.py times it; tests/test_cli_fast_start.py checks the server's
imports)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.remote import codec, early, protocol
from tui.cli.main import main


def fake_ssh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ssh that records each start (its pid) and what it is sent, and never answers."""
    log = tmp_path / "ssh.log"
    script = tmp_path / "ssh.py"
    script.write_text(
        "import os, sys\n"
        f"log = open({str(log)!r}, 'a')\n"
        "log.write(f'start {os.getpid()}\\n'); log.flush()\n"
        "frame = sys.stdin.buffer.read(4)\n"
        "size = int.from_bytes(frame, 'big') if len(frame) == 4 else 0\n"
        "log.write('first ' + sys.stdin.buffer.read(size).hex() + '\\n'); log.flush()\n"
        "sys.stdin.buffer.read()\n"
    )
    monkeypatch.setenv("NITRODECK_SSH_COMMAND", shlex.join([sys.executable, str(script)]))
    monkeypatch.setenv("NITRODECK_CONFIG", str(tmp_path / "config.json"))
    for name in ("NITRODECK_HOST", "NITRODECK_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    return log


def spawned(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """Every session `early.spawn` starts from now on, in order."""
    started: list[subprocess.Popen[bytes]] = []
    real_spawn = early.spawn

    def spawn(*args: Any) -> subprocess.Popen[bytes]:
        started.append(real_spawn(*args))
        return started[-1]

    monkeypatch.setattr(early, "spawn", spawn)
    return started


def test_a_failed_command_leaves_no_early_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_ssh(tmp_path, monkeypatch)
    started = spawned(monkeypatch)
    with pytest.raises(SystemExit):
        main(["--host", "ssh://h", "describe-enclaves", "--no-such-flag"])
    assert len(started) == 1  # started before the arguments were checked
    assert started[0].poll() is not None  # and ended with the command


def test_the_command_uses_the_early_session_and_its_hello_goes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = fake_ssh(tmp_path, monkeypatch)
    from core.remote import connection

    real_init = connection.RemoteConnection.__init__

    def quick(self: connection.RemoteConnection, *args: object, **kwargs: object) -> None:
        kwargs["timeout"] = 2.0
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(connection.RemoteConnection, "__init__", quick)
    assert main(["--host", "ssh://h", "--profile", "m5.xlarge", "describe-enclaves"]) != 0
    lines = log.read_text().splitlines()
    assert len([x for x in lines if x.startswith("start")]) == 1  # adopted, not started twice
    first = next(x for x in lines if x.startswith("first "))
    sent = codec.loads(bytes.fromhex(first.removeprefix("first ")))
    # Sent before any answer from the far end, carrying the command's options.
    assert sent == {**protocol.hello(), "options": {"platform": None, "profile": "m5.xlarge"}}


@pytest.mark.parametrize(
    "words",
    [
        ["--host", "ssh://h", "describe-enclaves"],
        ["--host=ssh://u@h:2222", "--profile", "m5.xlarge", "describe-enclaves", "--metadata"],
        ["--platform", "sim", "--host", "ssh://h", "console", "--enclave-id", "i-1"],
        ["describe-enclaves"],
        [],
    ],
)
def test_the_hand_read_global_options_are_argparse_s(words: list[str]) -> None:
    # ssh starts before argparse loads only where reading the options by hand gives argparse's
    # answer: the same host, context, platform and profile, and the same command words.
    from tui.cli.main import _plain_globals, _quick_parse

    plain = _plain_globals(words)
    assert plain is not None
    known, rest = _quick_parse(words)
    names = ("remote_host", "target_context", "platform", "profile")
    assert [getattr(plain[0], n) for n in names] == [getattr(known, n) for n in names]
    assert plain[1] == rest


@pytest.mark.parametrize(
    "words",
    [
        ["--ho", "ssh://h", "describe-enclaves"],  # argparse's abbreviation
        ["--host", "ssh://a", "--host", "ssh://b", "describe-enclaves"],
        ["--host", "--profile", "describe-enclaves"],
        ["--context", "prod", "describe-enclaves"],
        ["--read-only", "--host", "ssh://h", "describe-enclaves"],
        ["--platform", "vm", "describe-enclaves"],
        ["--host"],
    ],
)
def test_other_global_options_are_left_to_argparse(words: list[str]) -> None:
    from tui.cli.main import _plain_globals

    assert _plain_globals(words) is None


def test_an_early_session_is_started_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The hand-read options start it, then argparse's reading asks again: one ssh, not two.
    started = spawned(monkeypatch)
    argv = [sys.executable, "-c", "import sys; sys.stdin.buffer.read()"]
    try:
        early.prestart(argv, {"platform": None})
        early.prestart(argv, {"platform": None})
    finally:
        early.discard()
    assert len(started) == 1
    assert started[0].poll() is not None
