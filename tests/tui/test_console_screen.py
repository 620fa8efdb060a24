"""The console screen on a fake producer: keeps up with 100k lines, keys do what they say."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tui.screens.console import ConsoleScreen
from tui.widgets.console_log import ConsoleLog, gap_mark

SIZE = (120, 36)


def fast_producer(count: int, per_chunk: int = 500) -> Iterator[bytes]:
    """A payload printing as fast as it can, in chunks that cut lines in half."""
    pending = b""
    for start in range(0, count, per_chunk):
        block = "".join(f"line {n:06d} payload output\n" for n in range(start, start + per_chunk))
        data = pending + block.encode()
        cut = len(data) - 7
        yield data[:cut]
        pending = data[cut:]
    yield pending


async def open_console(app: Any, pilot: Any, wait: Any, factory: Any, **kw: Any) -> ConsoleScreen:
    await wait(pilot)
    screen = ConsoleScreen(factory, "i-0abc-enc1", **kw)
    await app.push_screen(screen)
    await wait(pilot)
    return screen


async def test_hundred_thousand_lines_arrive_bounded_and_in_order(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_console(app, pilot, wait, lambda: fast_producer(100_000))
        log = screen.log_view
        for _ in range(50):
            if log.received == 100_000 and log.pending == 0:
                break
            await pilot.pause(0.05)
        assert log.received == 100_000
        assert log.line_count == 10_000
        assert log.lines[-1] == "line 099999 payload output"
        assert log.lines[0] == "line 090000 payload output"
        assert log.flushes < 1000  # batched, not one UI call per line
        assert screen.state == "stream ended"
        assert screen.crumb == "console i-0abc-enc1"


async def test_keys_pause_search_jump_and_save(make_app, wait, tmp_path: Path) -> None:
    lines = b"".join(f"boot step {n}\n".encode() for n in range(200)) + b"nsm: READY\n"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_console(
            app, pilot, wait, lambda: iter([lines]), save_dir=tmp_path / "saved"
        )
        log = screen.query_one(ConsoleLog)
        assert log.line_count == 201
        await pilot.press("p")
        assert log.paused
        await pilot.press("space")
        assert not log.paused
        await pilot.press("slash", *"step 1", "enter")
        await wait(pilot)
        assert log.match_line == 1  # "boot step 1"
        await pilot.press("n")
        assert log.match_line == 10  # "boot step 10"
        await pilot.press("N")
        assert log.match_line == 1
        await pilot.press("g")
        await wait(pilot)
        assert log.scroll_offset.y == 0
        await pilot.press("G")
        await wait(pilot)
        assert log.is_vertical_scroll_end
        await pilot.press("s")
        await wait(pilot)
        saved = list((tmp_path / "saved").iterdir())
        assert len(saved) == 1 and saved[0].name.startswith("i-0abc-enc1-")
        assert saved[0].read_text().splitlines()[-1] == "nsm: READY"
        assert stat.S_IMODE(saved[0].stat().st_mode) == 0o600
        await pilot.press("escape")
        await wait(pilot)
        assert not isinstance(app.screen, ConsoleScreen)


async def test_status_line_reports_pause_and_search(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_console(app, pilot, wait, lambda: iter([b"alpha\nbeta\n"]))
        await pilot.press("p", "slash", *"beta", "enter")
        await wait(pilot)
        status = str(screen.query_one("#console-status").render())
        assert status.startswith("PAUSED") and "/beta: line 2" in status


async def test_paused_drops_are_counted_and_G_follows_again(make_app, wait) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        release = __import__("threading").Event()

        def gated() -> Iterator[bytes]:
            yield b"first\n"
            release.wait(10)
            yield "".join(f"line {n}\n" for n in range(300)).encode()

        screen = await open_console(app, pilot, wait, gated, max_lines=100)
        await pilot.press("space")
        release.set()
        log = screen.query_one(ConsoleLog)
        for _ in range(100):
            await pilot.pause(0.02)
            if log.dropped:
                break
        screen._show_status()
        status = str(screen.query_one("#console-status").render())
        assert status.startswith("PAUSED") and f"{log.dropped} DROPPED" in status
        assert log.dropped >= 200  # 300 lines arrived into a 100-line queue
        await pilot.press("G")
        await wait(pilot)
        assert not log.paused and log.auto_scroll and log.lines[-1] == "line 299"
        # Every line is accounted for: shown, or counted by the mark standing in its place.
        marks = [line for line in log.lines if "lines missing here" in line]
        assert marks == [gap_mark(log.dropped)]
        scrolled_off = log.written - log.line_count  # counted at the top of a saved console
        assert scrolled_off + log.dropped + len(log.lines) - 1 == 301
