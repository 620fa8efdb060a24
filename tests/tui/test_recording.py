"""Recordings are asciicast v2: the writer's format, and a real tour recorded through a pty."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from core.asciicast import CastWriter, read_cast
from core.home import Home
from core.sandbox import stop_home

REPO = Path(__file__).resolve().parents[2]


def test_cast_writer_makes_asciicast_v2(tmp_path: Path) -> None:
    ticks = iter([10.0, 10.5, 11.25, 12.0])
    cast = CastWriter(tmp_path / "a.cast", 80, 24, title="t", clock=lambda: next(ticks))
    cast.output("\x1b[?1049hhello ✓")
    cast.output("")  # nothing written: not an event
    cast.resize(100, 30)
    cast.output("bye")
    cast.close()
    cast.output("after close is ignored")
    header, events = read_cast(tmp_path / "a.cast")
    assert header["version"] == 2 and (header["width"], header["height"]) == (80, 24)
    assert header["title"] == "t"
    assert events == [[0.5, "o", "\x1b[?1049hhello ✓"], [1.25, "r", "100x30"], [2.0, "o", "bye"]]


@pytest.mark.parametrize(
    "text",
    [
        "",
        '{"version": 1, "width": 80, "height": 24}\n',
        '{"version": 2, "width": 80, "height": 24}\n[1.0, "o", "a"]\n[0.5, "o", "b"]\n',
        '{"version": 2, "width": 80, "height": 24}\n[1.0, "x", "a"]\n',
    ],
)
def test_read_cast_rejects_what_asciinema_would_not_play(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.cast"
    path.write_text(text)
    with pytest.raises(ValueError):
        read_cast(path)


def _drain(master: int, process: subprocess.Popen[bytes], limit: float) -> None:
    """Read the terminal's side until the app exits (a full pty would block it)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                os.read(master, 65536)
            except OSError:  # EIO: every holder of the terminal has closed it
                process.wait(max(deadline - time.monotonic(), 0.1))
        if process.poll() is not None:
            return
    process.kill()
    raise AssertionError("the recorded tour did not finish")


@pytest.mark.slow
def test_tour_recorded_through_a_terminal_is_a_cast(tmp_path: Path) -> None:
    home, cast = tmp_path / "home", tmp_path / "tour.cast"
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = os.environ | {
        "NITRODECK_HOME": str(home),
        "NITRODECK_CONFIG": str(tmp_path / "config.json"),
        "TERM": "xterm-256color",
    }
    command = [sys.executable, "-m", "tui", "tour", "--delay", "0.05", "--exit-at-end"]
    process = subprocess.Popen(
        [*command, "--record", str(cast)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=REPO,
        start_new_session=True,
    )
    os.close(slave)
    try:
        _drain(master, process, 120)
    finally:
        os.close(master)
        stop_home(Home(home / "tour"))
    assert process.returncode == 0
    header, events = read_cast(cast)
    assert (header["width"], header["height"]) == (100, 30)
    output = "".join(data for _, code, data in events if code == "o")
    assert output.startswith("\x1b[?1049h")  # the alternate screen, as the terminal got it
    assert "tour 1/9" in output and "That is the tour" in output
    assert events[-1][0] > 0.4
