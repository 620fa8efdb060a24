"""The console file: rotation, followers from the start, EOF at the enclave's end, close()."""

from __future__ import annotations

import threading
from pathlib import Path

from core.platform.sim.console import ConsoleWriter, FileConsoleStream, mark_ended


def collect(stream: FileConsoleStream, into: list[bytes]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(stream), daemon=True)
    thread.start()
    return thread


def test_two_followers_see_everything_across_rotations(tmp_path: Path) -> None:
    path = tmp_path / "console.log"
    writer = ConsoleWriter(path, max_bytes=4096)
    writer.write(b"early line\n")  # written before anyone follows: still seen
    firsts: list[bytes] = []
    seconds: list[bytes] = []
    threads = [collect(FileConsoleStream(path), firsts), collect(FileConsoleStream(path), seconds)]
    lines = b"".join(b"line %05d\n" % i for i in range(300))  # ~3 KB per write → rotations
    for i in range(0, len(lines), 1000):
        writer.write(lines[i : i + 1000])
    writer.close()
    mark_ended(tmp_path)
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()
    expected = b"early line\n" + lines
    assert b"".join(firsts) == expected
    assert b"".join(seconds) == expected


def test_history_keeps_at_most_two_files(tmp_path: Path) -> None:
    path = tmp_path / "console.log"
    writer = ConsoleWriter(path, max_bytes=1000)
    for i in range(100):
        writer.write(b"%04d" % i + b"x" * 95 + b"\n")
    writer.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["console.log", "console.log.1", "console.log.files"]  # + the file index
    saved = b"".join(FileConsoleStream(path, follow=False))
    assert len(saved) <= 2000
    assert saved.endswith(b"0099" + b"x" * 95 + b"\n")


def test_a_dead_enclave_ends_the_stream_without_marker(tmp_path: Path) -> None:
    path = tmp_path / "console.log"
    ConsoleWriter(path).write(b"last words\n")
    stream = FileConsoleStream(path, alive=lambda: False)
    assert b"".join(stream) == b"last words\n"


def test_close_from_another_thread_stops_a_follower(tmp_path: Path) -> None:
    path = tmp_path / "console.log"
    ConsoleWriter(path).write(b"x\n")
    stream = FileConsoleStream(path)
    got: list[bytes] = []
    thread = collect(stream, got)
    stream.close()
    thread.join(5)
    assert not thread.is_alive()


def test_a_follower_one_rotation_behind_still_gets_every_byte(tmp_path: Path) -> None:
    path = tmp_path / "console.log"
    writer = ConsoleWriter(path, max_bytes=1000)
    writer.write(b"start\n")
    stream = iter(FileConsoleStream(path))
    got = [next(stream)]  # the follower holds the first file open …
    writer.write(b"a" * 999 + b"\n")  # … while it is rotated to console.log.1,
    writer.write(b"b" * 999 + b"\n")  # and the next one is filled and rotated over it
    writer.write(b"c" * 10 + b"\n")
    writer.close()
    mark_ended(tmp_path)
    got.extend(stream)
    expected = b"start\n" + b"a" * 999 + b"\n" + b"b" * 999 + b"\n" + b"c" * 10 + b"\n"
    assert b"".join(got) == expected


def test_a_follower_too_far_behind_is_told_what_it_lost(tmp_path: Path) -> None:
    path = tmp_path / "console.log"
    writer = ConsoleWriter(path, max_bytes=1000)
    writer.write(b"start\n")
    stream = iter(FileConsoleStream(path))
    got = [next(stream)]
    for letter in b"abcd":  # four rotations while the follower holds the first file
        writer.write(bytes([letter]) * 999 + b"\n")
    writer.write(b"end\n")
    writer.close()
    mark_ended(tmp_path)
    text = b"".join([*got, *stream])
    assert text.startswith(b"start\n" + b"a" * 999 + b"\n")
    assert b"2 console file(s) rotated away" in text  # b and c are gone
    assert text.endswith(b"d" * 999 + b"\n" + b"end\n")
