"""A bounded set of worker threads for the server's calls and stream pumps.

`concurrent.futures.ThreadPoolExecutor` does the same, but importing it (and the `logging` it
pulls in) is a tenth of what `serve --stdio` loads before its first answer; nothing here needs
futures. Workers are ordinary (non-daemon) threads: a call still running when the client leaves
(a half-started enclave) finishes before the process exits.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any

Job = tuple[Callable[..., Any], tuple[Any, ...]] | None


class Workers:
    """Runs each submitted job on an idle worker, starting one while fewer than `limit` run;
    beyond that jobs wait their turn (the caller, the server's reader, never blocks)."""

    def __init__(self, limit: int, name: str) -> None:
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._limit, self._name = limit, name
        self._started = 0
        self._closed = False

    def submit(self, job: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            if self._closed:
                return
            self._jobs.put((job, args))
            if self._idle.acquire(blocking=False) or self._started >= self._limit:
                return
            self._started += 1
            name = f"{self._name}-{self._started}"
        threading.Thread(target=self._work, name=name).start()

    def _work(self) -> None:
        while (item := self._jobs.get()) is not None:
            job, args = item
            # As with an executor's unread future: a job answers its own errors (the server's
            # calls reply with them); one that fails to must not take its worker down too.
            with contextlib.suppress(Exception):
                job(*args)
            self._idle.release()

    def shutdown(self) -> None:
        """Drop the jobs not started yet and let every worker end after its current job."""
        with self._lock:
            self._closed = True
            started = self._started
        while True:
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        for _ in range(started):
            self._jobs.put(None)
