"""`ConsoleLog`: an enclave console that keeps up with tens of thousands of lines per second.

A producer thread splits byte chunks into lines and appends them to a bounded deque; a 50 ms
UI timer drains the deque into one `Log.write_lines` call (k9s' flush). The widget
keeps at most `max_lines`; older lines fall off the top, and while paused new lines wait in the
deque (itself bounded: past `max_lines` they would be pruned on display anyway).

Textual 8.2.8's `Log(max_lines=N)` computes the repaint region before pruning, so a full log
stops repainting its visible lines; `flush` calls `refresh()` after each batch to fix that.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

from rich.highlighter import Highlighter
from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets import Log
from textual.worker import Worker, get_current_worker

from core.home import write_private_file
from core.linesplit import LineSplitter

StreamFactory = Callable[[], Iterable[bytes]]


@runtime_checkable
class Closable(Protocol):
    """A stream or stream factory that holds something to release (checked with isinstance)."""

    def close(self) -> None: ...


class SearchHighlighter(Highlighter):
    """Marks every case-insensitive occurrence of the search term."""

    def __init__(self) -> None:
        self.pattern: re.Pattern[str] | None = None

    def highlight(self, text: Text) -> None:
        if self.pattern is not None:
            text.highlight_regex(self.pattern, style="black on yellow")


class ConsoleLog(Log):
    """A bounded, batched, pausable, searchable log of an enclave's console."""

    DEFAULT_CSS = "ConsoleLog { height: 1fr; background: $surface; }"

    class StreamEnded(Message):
        """The followed stream finished (the enclave exited or the source closed)."""

    class StreamFailed(Message):
        def __init__(self, error: BaseException) -> None:
            super().__init__()
            self.error = error

    def __init__(
        self,
        *,
        max_lines: int = 10_000,
        flush_interval: float = 0.05,
        id: str | None = None,  # noqa: A002 - Textual's own name for it
    ) -> None:
        super().__init__(max_lines=max_lines, highlight=True, auto_scroll=True, id=id)
        self.highlighter = SearchHighlighter()
        self._pending: deque[str] = deque(maxlen=max_lines)
        self._lock = threading.Lock()
        self._flush_interval = flush_interval
        self._drained = threading.Event()
        self.high_water = max_lines
        self.received = 0
        self.dropped = 0
        self._gap = 0  # lines dropped just before the queued ones: marked at the next flush
        self.written = 0  # entries ever written to the log (lines and gap marks)
        self.flushes = 0
        self.paused = False
        self.search_term = ""
        self.match_line: int | None = None

    def on_mount(self) -> None:
        self.set_interval(self._flush_interval, self.flush, name="console-flush")

    # -- feeding (any thread) ------------------------------------------------------------
    def push_lines(self, lines: Iterable[str]) -> None:
        """Queue lines for the next flush. Thread-safe and cheap: no UI call per line."""
        batch = list(lines)
        with self._lock:
            overflow = len(self._pending) + len(batch) - (self._pending.maxlen or 0)
            self._pending.extend(batch)
            self.received += len(batch)
            if overflow > 0:
                self.dropped += overflow
                self._gap += overflow

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def follow(self, factory: StreamFactory) -> None:
        """Read the stream `factory()` returns in a thread worker until it ends."""
        self._read_stream(factory)

    @work(thread=True, exclusive=True, group="console-reader", exit_on_error=False)
    def _read_stream(self, factory: StreamFactory) -> None:
        worker = get_current_worker()
        splitter = LineSplitter()
        stream = factory()
        try:
            for chunk in stream:
                if worker.is_cancelled:
                    return
                lines = splitter.feed(chunk)
                if lines:
                    self.push_lines(lines)
                    self._wait_for_room(worker)
            self.push_lines(splitter.flush())
        except Exception as error:  # the source failed: say so in the view, keep the app up
            self.post_message(self.StreamFailed(error))
            return
        finally:
            if isinstance(stream, Closable):
                stream.close()
        self.post_message(self.StreamEnded())

    def _wait_for_room(self, worker: Worker[None]) -> None:
        """Backpressure (toolong's `start_tail`): let the UI drain before reading on.

        A reader that never sleeps starves the UI thread of the GIL and the screen freezes.
        While paused the reader keeps going: the bounded queue drops the oldest lines instead.
        """
        while not worker.is_cancelled and not self.paused and self.pending >= self.high_water:
            self._drained.wait(0.05)
            self._drained.clear()

    # -- the UI side -----------------------------------------------------------------------
    def flush(self) -> None:
        """Drain the queue into the log in one call (the 50 ms timer calls this)."""
        if self.paused:
            return
        with self._lock:
            if not self._pending:
                return
            batch = self._take_pending()
        self._drained.set()
        self.written += len(batch)
        self.write_lines(batch)
        self.refresh()  # Textual 8.2.8 bug: a full Log otherwise keeps showing stale lines
        self.flushes += 1

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        self.flush()

    def toggle_pause(self) -> bool:
        """Pause or resume; returns the new paused state."""
        if self.paused:
            self.resume()
        else:
            self.pause()
        return self.paused

    def jump_top(self) -> None:
        self.auto_scroll = False
        self.scroll_home(animate=False, immediate=True)

    def jump_bottom(self) -> None:
        """Back to the newest line, and follow new ones again."""
        self.auto_scroll = True
        self.scroll_end(animate=False, immediate=True)

    # -- search ----------------------------------------------------------------------------
    def search(self, term: str, *, forward: bool = True) -> int | None:
        """Highlight `term` and jump to its next (or previous) line; None when absent."""
        if term != self.search_term:
            self.search_term = term
            self.match_line = None
            assert isinstance(self.highlighter, SearchHighlighter)
            self.highlighter.pattern = re.compile(re.escape(term), re.IGNORECASE) if term else None
            self.refresh()
        if not term:
            return None
        found = self._find(term.lower(), forward)
        if found is not None:
            self.match_line = found
            self.auto_scroll = False  # stay on the match instead of following new output
            self.scroll_to(y=max(0, found - self.size.height // 2), animate=False, immediate=True)
        return found

    def _find(self, needle: str, forward: bool) -> int | None:
        lines = self.lines
        count = len(lines)
        if not count:
            return None
        if self.match_line is None:
            start = 0 if forward else count - 1
        else:
            start = (self.match_line + (1 if forward else -1)) % count
        step = 1 if forward else -1
        for offset in range(count):
            index = (start + step * offset) % count
            if needle in lines[index].lower():
                return index
        return None

    def match_count(self) -> int:
        needle = self.search_term.lower()
        return sum(needle in line.lower() for line in self.lines) if needle else 0

    def _take_pending(self) -> list[str]:
        """Empty the queue (lock held); a gap before it becomes a mark line first.

        A full queue gives up its oldest line for the mark, so the view never prunes the mark.
        """
        if self._gap and len(self._pending) >= (self.max_lines or 0) > 0:
            self._pending.popleft()
            self._gap += 1
            self.dropped += 1
        batch = ([gap_mark(self._gap)] if self._gap else []) + list(self._pending)
        self._pending.clear()
        self._gap = 0
        return batch

    # -- save --------------------------------------------------------------------------------
    def save(self, path: Path) -> int:
        """Write every line held (shown and still queued) to `path` (0600), each gap marked
        with how many lines are missing there; returns the count of lines written."""
        with self._lock:
            queued = ([gap_mark(self._gap)] if self._gap else []) + list(self._pending)
        scrolled_off = self.written - self.line_count
        head = (
            [
                f"{GAP_PREFIX}{scrolled_off} earlier lines are gone: the view holds the last "
                f"{self.max_lines} ──"
            ]
            if scrolled_off > 0
            else []
        )
        lines = [*head, *self.lines, *queued]
        write_private_file(path, "".join(f"{line}\n" for line in lines).encode("utf-8"))
        return len(lines)


GAP_PREFIX = "── nitrodeck: "


def gap_mark(missing: int) -> str:
    """The line standing where `missing` console lines were dropped (the buffer was full)."""
    return f"{GAP_PREFIX}{missing} lines missing here (dropped: the buffer was full) ──"
