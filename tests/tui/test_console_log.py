"""ConsoleLog: batched, bounded, repaints when full, pause/search/save, follows byte streams."""

from __future__ import annotations

import html
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Log

from tui.widgets.console_log import ConsoleLog, gap_mark


class LogApp(App[None]):
    def __init__(self, widget: Log) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def visible_numbers(app: App[Any]) -> list[int]:
    """The line numbers actually painted on screen (read back from a screenshot)."""
    svg = app.export_screenshot()
    text = html.unescape("".join(re.findall(r"<text[^>]*>(.*?)</text>", svg)))
    return sorted(int(n) for n in re.findall(r"line (\d{6})", text.replace("\xa0", " ")))


def numbered(start: int, count: int) -> list[str]:
    return [f"line {n:06d}" for n in range(start, start + count)]


async def test_many_pushes_become_one_write(wait: Any) -> None:
    log = ConsoleLog(max_lines=5000, flush_interval=3600)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)) as pilot:
        for start in range(0, 3000, 10):
            log.push_lines(numbered(start, 10))
        assert log.line_count == 0  # nothing reaches the widget between flushes
        log.flush()
        await wait(pilot)
        assert log.flushes == 1
        assert log.line_count == 3000 and log.received == 3000


async def test_timer_drains_the_queue(wait: Any) -> None:
    log = ConsoleLog(max_lines=5000, flush_interval=0.01)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)) as pilot:
        log.push_lines(numbered(0, 100))
        await wait(pilot)
        assert log.line_count == 100 and log.pending == 0


async def test_bounded_to_max_lines_keeping_the_newest(wait: Any) -> None:
    log = ConsoleLog(max_lines=1000, flush_interval=3600)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)) as pilot:
        for batch in range(5):
            log.push_lines(numbered(batch * 1000, 1000))
            log.flush()
            await pilot.pause()
        assert log.line_count == 1000
        assert log.lines[0] == "line 004000" and log.lines[-1] == "line 004999"


async def test_full_log_repaints_the_newest_lines(wait: Any) -> None:
    """Textual 8.2.8's Log stops repainting once full; ConsoleLog's refresh() fixes it."""
    log = ConsoleLog(max_lines=1000, flush_interval=3600)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)) as pilot:
        for batch in range(20):
            log.push_lines(numbered(batch * 1000, 1000))
            log.flush()
            await pilot.pause()
        shown = visible_numbers(app)
        assert shown, "no console lines on screen"
        assert shown[-1] == 19999 and shown[0] > 19000


async def test_plain_log_still_has_the_repaint_bug(wait: Any) -> None:
    """Documents why the workaround exists; when this fails, Textual fixed the bug."""
    log = Log(max_lines=1000)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)) as pilot:
        for batch in range(20):
            log.write_lines(numbered(batch * 1000, 1000))
            await pilot.pause()
        assert visible_numbers(app)[-1] < 19000


async def test_pause_buffers_and_resume_shows_everything(wait: Any) -> None:
    log = ConsoleLog(max_lines=5000, flush_interval=0.01)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)) as pilot:
        log.push_lines(numbered(0, 10))
        await wait(pilot)
        log.pause()
        log.push_lines(numbered(10, 10))
        await wait(pilot)
        assert log.line_count == 10 and log.pending == 10
        log.resume()
        await wait(pilot)
        assert log.line_count == 20 and log.lines[-1] == "line 000019"


async def test_paused_backlog_is_bounded_and_counts_drops(wait: Any) -> None:
    log = ConsoleLog(max_lines=100, flush_interval=3600)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)):
        log.pause()
        log.push_lines(numbered(0, 250))
        assert log.pending == 100 and log.dropped == 150
        log.resume()
        # The gap is marked where it is, with how many lines are missing (the mark takes the
        # place of one more line: the view holds 100 entries).
        assert log.lines[0] == gap_mark(151) and "151 lines missing" in log.lines[0]
        assert log.lines[1] == "line 000151" and log.dropped == 151


async def test_saved_console_marks_every_gap(tmp_path: Path, wait: Any) -> None:
    log = ConsoleLog(max_lines=10, flush_interval=3600)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)):
        log.push_lines(numbered(0, 4))
        log.flush()
        log.pause()
        log.push_lines(numbered(4, 15))  # 5 of them fall out of the paused queue
        target = tmp_path / "console.log"
        log.save(target)
        saved = target.read_text().splitlines()
        assert saved[:4] == numbered(0, 4) and saved[4] == gap_mark(5)
        assert saved[5:] == numbered(9, 10)
        log.resume()  # the mark takes one queued line's place; the 4 shown lines scroll off
        log.save(target)
        saved = target.read_text().splitlines()
        assert saved[0].startswith("── nitrodeck: 4 earlier lines are gone")
        assert saved[1] == gap_mark(6) and saved[2:] == numbered(10, 9)


async def test_search_jumps_between_matches_and_wraps(wait: Any) -> None:
    log = ConsoleLog(max_lines=5000, flush_interval=3600)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)) as pilot:
        lines = numbered(0, 500)
        lines[120] = "kernel: PANIC at the disco"
        lines[400] = "userspace panic: again"
        log.push_lines(lines)
        log.flush()
        await wait(pilot)
        assert log.search("panic") == 120
        assert log.scroll_offset.y > 0  # jumped away from the bottom... to the match
        assert 120 - log.scroll_offset.y < log.size.height
        assert log.search("panic") == 400
        assert log.search("panic") == 120  # wraps
        assert log.search("panic", forward=False) == 400
        assert log.match_count() == 2
        assert log.search("no such text") is None


async def test_search_highlights_matches(wait: Any) -> None:
    log = ConsoleLog(max_lines=100, flush_interval=3600)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)) as pilot:
        log.push_lines(["boot ok", "nsm ready", "boot done"])
        log.flush()
        log.search("BOOT")
        await wait(pilot)
        strip = log.render_line(0)
        styled = [seg for seg in strip if seg.text == "boot"]
        assert styled and styled[0].style is not None and styled[0].style.bgcolor is not None


async def test_jump_top_stops_following_bottom_resumes(wait: Any) -> None:
    log = ConsoleLog(max_lines=5000, flush_interval=3600)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)) as pilot:
        log.push_lines(numbered(0, 300))
        log.flush()
        await wait(pilot)
        log.jump_top()
        log.push_lines(numbered(300, 50))
        log.flush()
        await wait(pilot)
        assert log.scroll_offset.y == 0
        log.jump_bottom()
        await wait(pilot)
        assert log.is_vertical_scroll_end and log.auto_scroll


async def test_save_writes_shown_and_queued_lines_privately(tmp_path: Path, wait: Any) -> None:
    log = ConsoleLog(max_lines=100, flush_interval=3600)
    app = LogApp(log)
    async with app.run_test(size=(80, 20)):
        log.push_lines(["one", "two"])
        log.flush()
        log.pause()
        log.push_lines(["three"])
        target = tmp_path / "out" / "console.log"
        assert log.save(target) == 3
        assert target.read_text() == "one\ntwo\nthree\n"
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def test_follow_splits_byte_chunks_into_lines(wait: Any) -> None:
    log = ConsoleLog(max_lines=100, flush_interval=0.01)
    app = LogApp(log)
    ended: list[bool] = []
    app.on_console_log_stream_ended = lambda _e: ended.append(True)  # type: ignore[attr-defined]
    async with app.run_test(size=(80, 20)) as pilot:
        data = "héllo\r\nwörld\npartial".encode()
        log.follow(lambda: chunked(data, 3))  # cuts through the UTF-8 of é and ö
        await wait(pilot)
        assert list(log.lines) == ["héllo", "wörld", "partial"]


async def test_a_failing_stream_is_reported_not_raised(wait: Any) -> None:
    def broken() -> Iterator[bytes]:
        yield b"first line\n"
        raise ConnectionResetError("vsock closed")

    log = ConsoleLog(max_lines=100, flush_interval=0.01)
    failures: list[BaseException] = []

    class FailApp(LogApp):
        def on_console_log_stream_failed(self, event: ConsoleLog.StreamFailed) -> None:
            failures.append(event.error)

    app = FailApp(log)
    async with app.run_test(size=(80, 20)) as pilot:
        log.follow(broken)
        await wait(pilot)
        assert list(log.lines) == ["first line"]
        assert isinstance(failures[0], ConnectionResetError)
        assert app.is_running
