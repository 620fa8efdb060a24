"""A hostile remote (tests/remote/fake_remote.py, speaking the wire protocol over the ssh
command's pipes) must not run code here, set our exit code, reach the terminal with escape
sequences, grow our memory without bound, or choose the root that verifies it."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.home import Home
from core.platform import select
from core.remote.connection import STREAM_BUFFER
from core.remote.errors import RemoteError
from core.remote.target import Target, open_target
from tui.cli.main import main

FAKE = Path(__file__).with_name("fake_remote.py")
EVIL = "ssh://evil"


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], Path]]:
    """Point the ssh command at the fake remote playing a scenario; returns its call log."""
    monkeypatch.setenv("NITRODECK_CONFIG", str(tmp_path / "config.json"))
    monkeypatch.setenv("FAKE_REMOTE_LOG", str(tmp_path / "calls.log"))
    for name in ("NITRODECK_HOST", "NITRODECK_CONTEXT", "NITRODECK_REMOTE_COMMAND"):
        monkeypatch.delenv(name, raising=False)

    def play(scenario: str) -> Path:
        command = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAKE))} {scenario}"
        monkeypatch.setenv("NITRODECK_SSH_COMMAND", command)
        return tmp_path / "calls.log"

    yield play
    select.set_target(None)


def calls(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def test_an_error_naming_a_module_imports_nothing_and_keeps_the_failure(
    hostile: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    hostile("error-import")
    sys.modules.pop("tui.__main__", None)
    code = main(["--host", EVIL, "describe-enclaves"])
    err = capsys.readouterr().err
    assert "tui.__main__" not in sys.modules  # importing it would run the command again
    assert code == RemoteError.exit_code  # not the 0 the frame asked for
    assert "boom" in err and "\\x1b]0;pwned\\x07" in err
    assert "\x1b" not in err and "\x07" not in err


def test_an_error_cannot_set_attributes_of_a_known_kind(
    hostile: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    hostile("error-attrs")
    code = main(["--host", EVIL, "describe-enclaves"])
    err = capsys.readouterr().err
    assert code == 2 and "refused" in err  # a usage error's exit status, not the frame's 0
    assert "E00" not in err


def test_a_stream_flood_is_cut_at_the_buffer_bound(hostile: Callable[[str], Path]) -> None:
    hostile("flood")
    platform = open_target(Target(name="evil", host=EVIL), home=Home.resolve())
    try:
        stream = platform.console("i-evil-enc1")
        time.sleep(1.0)  # the remote sends everything before anything is read
        received = 0
        with pytest.raises(RemoteError, match="more than 8 MiB"):
            for chunk in stream:
                received += len(chunk)
        assert received <= STREAM_BUFFER
        with pytest.raises(Exception, match="does not answer"):  # the connection still works
            platform.pool_state()
    finally:
        platform.close()


def test_a_stderr_flood_is_kept_to_its_tail(hostile: Callable[[str], Path]) -> None:
    import tracemalloc

    from core.remote.connection import STDERR_KEEP

    log = hostile("stderr-flood")
    tracemalloc.start()
    try:
        platform = open_target(Target(name="evil", host=EVIL), home=Home.resolve())
        try:
            deadline = time.monotonic() + 20
            while "stderr-flood-done" not in calls(log):  # every byte is written (or piped)
                assert time.monotonic() < deadline
                time.sleep(0.05)
            time.sleep(0.2)
            assert platform.connection.stderr_text() == "A" * STDERR_KEEP
        finally:
            platform.close()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20  # the remote sent 48 MiB


def test_stream_bytes_that_are_not_bytes_end_the_stream(hostile: Callable[[str], Path]) -> None:
    hostile("int-data")
    platform = open_target(Target(name="evil", host=EVIL), home=Home.resolve())
    try:
        with pytest.raises(RemoteError, match="not bytes"):
            list(platform.console("i-evil-enc1"))
    finally:
        platform.close()


def test_escapes_in_enclave_names_reach_no_terminal(
    hostile: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    hostile("escapes")
    assert main(["--host", EVIL, "describe-enclaves"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\\\x1b]0;pwned" in out  # shown, escaped (JSON doubles the backslash)


def test_a_remote_console_reaches_the_terminal_without_control_sequences(
    hostile: Callable[[str], Path], capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    """A remote console's bytes are text the remote host chose: shown, escaped, line by line,
    even when a sequence is split across chunks or sent as a UTF-8 C1 control (CSI)."""
    hostile("escapes")
    assert main(["--host", EVIL, "console", "--enclave-id", "i-evil-enc1"]) == 0
    out = capfdbinary.readouterr().out
    assert b"\x1b" not in out and b"\x07" not in out and "\x9b".encode() not in out
    assert b"hello \\x1b]0;pwned\\x07 \\x9b2J world\n" in out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ([], "--trust sim-remote"),
        (["--trust", "sha256:" + "ab" * 32], "not the pinned"),
    ],
)
def test_rollout_refuses_a_root_the_remote_offers(
    hostile: Callable[[str], Path],
    agent_images: tuple[Path, Path],
    forged_root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    says: str,
) -> None:
    log = hostile("forged-root")
    monkeypatch.setenv("FAKE_REMOTE_ROOT", str(forged_root))
    v1, _ = agent_images
    members = ["--hosts", EVIL, "--enclave-name", "web", "--memory", "256", "--cpu-count", "2"]
    code = main(["rollout", "--eif-path", str(v1), *members, *extra])
    out = capsys.readouterr().out
    assert code == 1 and says in out
    assert "rollout stopped at wave 1" in out
    started = [c for c in calls(log) if c.startswith(("image.", "platform.run_enclave"))]
    assert started == []  # refused before anything was copied or started


@pytest.fixture
def forged_root(tmp_path: Path) -> Path:
    """A self-made root certificate, as an attacker would sign forged documents with."""
    from cryptography import x509
    from pem_pairs import write_self_signed

    ca = x509.BasicConstraints(ca=True, path_length=None)
    cert, _ = write_self_signed(
        tmp_path, name="aws.nitro-enclaves", extensions=[ca], stem="-forged"
    )
    return cert


def test_the_attest_view_asks_the_operator_for_a_remote_simulators_root(
    hostile: Callable[[str], Path], forged_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.attestation.trust import anchor_from_pem
    from core.flows.attest import request_anchors
    from core.platform.trust import TrustChoiceError

    hostile("forged-root")
    monkeypatch.setenv("FAKE_REMOTE_ROOT", str(forged_root))
    home = Home.resolve()
    platform = open_target(Target(name="evil", host=EVIL), home=home)
    try:
        with pytest.raises(TrustChoiceError, match="simulator, whose root only that host"):
            request_anchors(platform, (), home)  # the empty Trust field: nothing from the host
        (aws,) = request_anchors(platform, ("aws",), home)
        assert aws.name == "AWS Nitro Enclaves Root-G1"
        (offered,) = request_anchors(platform, ("sim-remote",), home)  # the operator's word
        assert offered.fingerprint == anchor_from_pem(forged_root).fingerprint
    finally:
        platform.close()
