"""Benchmark: does the console screen keep up with a flooding payload; how fast does the app start?

1. A producer process writes N lines as fast as it can into `ConsoleScreen` (headless, 120×36).
   Reports lines/s until the last line is on screen, and the longest gap between UI timer
   ticks (a 10 ms `set_interval` recording timestamps: a gap means the UI loop was blocked).
   Baseline in the same run: the same chunks split into lines and written to /dev/null.
   Targets: ≥ 50,000 lines/s shown, no gap over 100 ms.
2. Time from process start to the first painted frame of `python -m tui` (headless, in a
   subprocess), against `python -c pass` in the same run. Target: < 1 s.

Usage: python bench/tui_console.py [N]
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.home import Home  # noqa: E402
from core.linesplit import LineSplitter  # noqa: E402

PRODUCER = r"""
import sys
out = sys.stdout.buffer
count = int(sys.argv[1])
for start in range(0, count, 1000):
    stop = min(start + 1000, count)
    out.write("".join(f"[{n:08d}] app: processed request id={n * 7919 % 100003}\n"
                      for n in range(start, stop)).encode())
out.flush()
"""


def payload(count: int) -> Iterator[bytes]:
    """A real process printing `count` lines as fast as it can; its stdout, chunk by chunk."""
    proc = subprocess.Popen([sys.executable, "-c", PRODUCER, str(count)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    try:
        while chunk := proc.stdout.read1(65536):
            yield chunk
    finally:
        proc.stdout.close()
        proc.wait()


FLOOD = PRODUCER.replace("out = sys.stdout.buffer", "out = sys.stdout.buffer\nimport time")


@contextlib.contextmanager
def sim_console(count: int) -> Iterator[tuple[Callable[[], Iterator[bytes]], Any]]:
    """The real path: a debug enclave on the simulator whose payload prints `count` lines,
    read through `Platform.console` (the file the supervisor writes, followed live)."""
    from core.eif import build_eif
    from core.platform.sim.platform import SimPlatform

    with tempfile.TemporaryDirectory(prefix="nd-bench-") as scratch:
        os.environ["NITRODECK_HOME"] = f"{scratch}/home"
        rootfs = Path(scratch) / "rootfs"
        (rootfs / "app").mkdir(parents=True)
        (rootfs / "app" / "flood.py").write_text(FLOOD + "\ntime.sleep(600)\n")
        eif = Path(scratch) / "flood.eif"
        build_eif(
            rootfs=rootfs,
            output=eif,
            name="flood",
            version="1",
            cmd=["python3", "/app/flood.py", str(count)],
            env=[],
        )
        platform = SimPlatform("m5.2xlarge", home=Home.resolve())
        try:
            yield lambda: platform_console(platform, eif), platform
        finally:
            platform.terminate_enclave(all_enclaves=True)
            platform.close()


def platform_console(platform: Any, eif: Path) -> Iterator[bytes]:
    from core.platform.base import RunRequest

    info = platform.run_enclave(
        RunRequest(eif_path=eif, memory_mib=64, cpu_count=2, debug_mode=True)
    )
    stream = platform.console(info.enclave_id)
    try:
        yield from stream
    finally:
        stream.close()


def baseline(count: int) -> float:
    """Seconds to split the same chunks into lines and write them to /dev/null."""
    started = time.perf_counter()
    splitter = LineSplitter()
    with open(os.devnull, "w", encoding="utf-8") as sink:
        for chunk in payload(count):
            lines = splitter.feed(chunk)
            sink.write("\n".join(lines))
        sink.write("\n".join(splitter.flush()))
    return time.perf_counter() - started


def longest_gap(ticks: list[float]) -> float:
    return max((b - a for a, b in itertools.pairwise(ticks)), default=0.0)


async def console_run(
    count: int,
    source: Callable[[], Iterator[bytes]] | None = None,
    finish: Callable[[], object] | None = None,
) -> tuple[float, float, float, int]:
    """(seconds until the last line is shown, longest UI gap idle, and streaming, lines held).

    The idle gap (same app, no producer, same length of time) shows what this machine's load
    alone does to a 10 ms timer, so the streaming gap can be read against it.
    """
    from tui.app import NitrodeckApp
    from tui.header import HeaderInfo, StaticHeaderProvider
    from tui.screens.console import ConsoleScreen

    app = NitrodeckApp(header_provider=StaticHeaderProvider(HeaderInfo(simulated=True)))
    ticks: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(0.2)
        go = threading.Event()

        def gated() -> Iterator[bytes]:
            go.wait()
            yield from (source() if source is not None else payload(count))

        # Open the console first (composing a screen is not streaming), then start the flood.
        screen = ConsoleScreen(gated, "bench")
        await app.push_screen(screen)
        await pilot.pause(0.5)
        timer = app.set_interval(0.01, lambda: ticks.append(time.perf_counter()))
        await pilot.pause(2.0)
        idle = longest_gap(ticks)
        ticks.clear()
        started = time.perf_counter()
        go.set()
        log = screen.log_view
        last = f"[{count - 1:08d}]"
        while not (
            log.received >= count
            and log.pending == 0
            and log.lines
            and log.lines[-1].startswith(last)
        ):
            await asyncio.sleep(0.005)
            if time.perf_counter() - started > 120:
                raise SystemExit("console did not finish within 120 s")
        elapsed = time.perf_counter() - started
        timer.stop()
        if finish is not None:  # end a followed stream, or the app waits for its reader
            await asyncio.to_thread(finish)
        held = log.line_count
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    if os.environ.get("BENCH_VERBOSE"):
        worst = sorted(range(len(gaps)), key=gaps.__getitem__)[-5:]
        print(
            "worst gaps (ms @ s after start):",
            [(round(gaps[i] * 1000), round(ticks[i] - started, 2)) for i in worst],
        )
    return elapsed, idle, longest_gap(ticks), held


FIRST_FRAME = r"""
import os, sys, time
from textual.app import App
from tui.screens.base import NitrodeckScreen
import tui.app
tui.app.first_run_tasks = lambda holder: []  # no KMS daemon or demo build from a benchmark
original = App._display
def display(self, screen, renderable):
    original(self, screen, renderable)
    if renderable is not None and isinstance(screen, NitrodeckScreen):
        print(f"{time.time() - float(os.environ['BENCH_T0']):.4f}", flush=True)
        os._exit(0)
App._display = display
from tui.cli.main import app_arguments  # what `python -m tui` with no command does
from tui.app import make_app
make_app(app_arguments([])).run(headless=True, size=(120, 36))
"""


def first_frame_seconds() -> tuple[float, float]:
    """(start → first painted view (the enclaves screen), start → `python -c pass`), in seconds."""
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "NITRODECK_CONFIG": f"{scratch}/config.json",
            "NITRODECK_HOME": f"{scratch}/home",
        }
        env["BENCH_T0"] = repr(time.time())
        out = subprocess.run(
            [sys.executable, "-c", FIRST_FRAME],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        frame = float(out.stdout.strip().splitlines()[-1])
        started = time.time()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare = time.time() - started
    return frame, bare


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    base = baseline(count)
    elapsed, idle, gap, held = asyncio.run(console_run(count))
    rate = count / elapsed
    print(
        f"console: {count} lines in {elapsed:.2f} s = {rate:,.0f} lines/s shown "
        f"(buffer holds {held}); /dev/null baseline {count / base:,.0f} lines/s; "
        f"ratio {base / elapsed:.2f}"
    )
    print(
        f"longest UI gap: {gap * 1000:.0f} ms while streaming, {idle * 1000:.0f} ms idle "
        f"(target ≤ 100 ms); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    with sim_console(count) as (source, platform):
        stop = functools.partial(platform.terminate_enclave, all_enclaves=True)
        sim_elapsed, _, sim_gap, _ = asyncio.run(console_run(count, source, stop))
    print(
        f"real console path (simulator enclave, Platform.console): {count} lines in "
        f"{sim_elapsed:.2f} s = {count / sim_elapsed:,.0f} lines/s (enclave boot included); "
        f"longest UI gap {sim_gap * 1000:.0f} ms"
    )
    frame, bare = first_frame_seconds()
    print(
        f"first frame of `python -m tui`: {frame:.2f} s (bare `python -c pass`: {bare:.2f} s; "
        f"target < 1 s)"
    )
    ok = rate >= 50_000 and gap <= 0.100 and frame < 1.0
    print("targets met" if ok else "TARGETS MISSED")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
