"""Benchmark: does the app answer an operator at once? Three targets of issue 15.

1. Attest screen, running enclave: from "attest" to every check on screen and the verdict
   (default reveal timing). Baseline in the same run: the same fetch + verify without the
   screen (what `nitrodeck attest` + `attestation verify` do). Target: < 1 s.
2. Header after a run and a terminate done from the Enclaves view: from the platform call
   returning to the header showing the new CPU count. Baseline: one `header_info()` call.
   Target: < 0.5 s.
3. `:q`: from the keys to the process having exited (`python -m tui` on a pseudo-terminal).
   Baseline: a bare Textual app quitting on `q` on the same kind of terminal.
   Target: < 0.5 s.

Each runs on the embedded simulator in its own temporary home (loopback only).
Usage: python bench/tui_responsiveness.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def until(pilot: Any, done: Any, limit: float = 30.0) -> float:
    """Seconds until `done()` holds, polling every 5 ms."""
    started = time.perf_counter()
    while not done():
        if time.perf_counter() - started > limit:
            raise SystemExit("condition not reached within the limit")
        await pilot.pause(0.005)
    return time.perf_counter() - started


async def attest_and_header(eif: Path) -> tuple[float, float, float, float, float]:
    """(attest screen s, CLI-path s, header after run s, after terminate s, header_info s)."""
    from core.flows.attest import fetch_document, verify_request
    from core.home import Home
    from core.platform.base import RunRequest
    from core.platform.sim.platform import SimPlatform
    from tui.app import NitrodeckApp
    from tui.engine.access import PlatformHeaderProvider, PlatformHolder
    from tui.presenters.attest_request import parse_request
    from tui.screens.attest import AttestScreen
    from tui.screens.enclaves import EnclavesScreen
    from tui.widgets.header_bar import HeaderBar

    sim = SimPlatform("m5.2xlarge", home=Home.resolve())
    holder = PlatformHolder.of(sim)
    provider = PlatformHeaderProvider(holder)
    app = NitrodeckApp(header_provider=provider, platform=holder, start_view="home")
    try:
        sim.run_enclave(RunRequest(eif_path=eif, memory_mib=128, cpu_count=2, enclave_name="b"))
        request = parse_request("b", "c0ffee", "", trust="sim")
        started = time.perf_counter()
        document = fetch_document(sim, request)
        verify_request(document, request, __import__("datetime").datetime.now(), sim, sim.home)
        cli = time.perf_counter() - started
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause(0.3)
            screen = AttestScreen(platform=sim)
            await app.push_screen(screen)
            await pilot.pause(0.3)
            screen.field("source").value = "b"
            started = time.perf_counter()
            await screen.run_action("attest")
            await until(pilot, lambda: screen.report is not None and not screen._pending)
            attest = time.perf_counter() - started
            app.pop_screen()
            enclaves = EnclavesScreen()
            await app.push_screen(enclaves)
            await pilot.pause(1.0)
            header = enclaves.query_one(HeaderBar)

            def cpus_shown() -> str:
                return str(header.query_one("#header-pool").render())

            sim.terminate_enclave(all_enclaves=True)
            before = cpus_shown()
            enclaves._done("terminated b")  # what the terminate worker calls when done
            after_terminate = await until(pilot, lambda: cpus_shown() != before)
            sim.run_enclave(RunRequest(eif_path=eif, memory_mib=128, cpu_count=2))
            before = cpus_shown()
            enclaves._done("running")  # what the run worker calls when done
            after_run = await until(pilot, lambda: cpus_shown() != before)
        started = time.perf_counter()
        provider.header_info()
        info = time.perf_counter() - started
    finally:
        sim.terminate_enclave(all_enclaves=True)
        sim.close()
    return attest, cli, after_run, after_terminate, info


BARE = r"""
from textual.app import App
from textual.widgets import Static

class Bare(App[None]):
    BINDINGS = [("q", "quit")]

    def compose(self):
        yield Static("enclaves")

Bare().run()
"""


def quit_seconds(code: list[str], home: str, keys: bytes) -> float:
    """Seconds from writing `keys` to the app's terminal to the process having exited.

    The app runs on a real pseudo-terminal (the driver's terminal restore included), started
    and drawn first (its output shows "enclaves"); the first-run tasks are done beforehand.
    """
    import pty
    import select

    env = {**os.environ, "NITRODECK_HOME": home, "NITRODECK_CONFIG": f"{home}/config.json"}
    env.update({"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36"})
    pid, fd = pty.fork()
    if pid == 0:  # the child: the app on the pty
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, *code], env)
    seen = b""
    deadline = time.monotonic() + 60
    while b"enclaves" not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 0.1)[0]:
            seen += os.read(fd, 65536)
    time.sleep(1.0)  # let the first refreshes settle
    started = time.perf_counter()
    os.write(fd, keys)
    while True:
        if select.select([fd], [], [], 0.01)[0]:
            with contextlib.suppress(OSError):  # the child closed the terminal: it is exiting
                os.read(fd, 65536)
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            return time.perf_counter() - started
        if time.perf_counter() - started > 30:
            os.kill(pid, 9)
            raise SystemExit("the app did not quit within 30 s")


def main() -> int:
    from core.agent.demo import build_demo_image

    with tempfile.TemporaryDirectory(prefix="nd-bench-") as scratch:
        os.environ["NITRODECK_HOME"] = f"{scratch}/home"
        eif = Path(scratch) / "demo.eif"
        build_demo_image(eif)
        attest, cli, after_run, after_terminate, info = asyncio.run(attest_and_header(eif))
        home = f"{scratch}/home"
        app = ["-m", "tui", "--platform", "sim"]
        try:
            keys = min(quit_seconds(app, home, b":q\r") for _ in range(3))
            direct = min(quit_seconds(["-c", BARE], home, b"q") for _ in range(3))
        finally:  # the app's first run started this home's local KMS: leave nothing behind
            from core.home import Home
            from core.kms.local.daemon import stop_local_kms

            stop_local_kms(Home(Path(home)))
    print(
        f"attest screen, running enclave: {attest:.2f} s to every check and the verdict "
        f"(CLI path attest + verify {cli:.2f} s; ratio {attest / cli:.2f}; target < 1 s)"
    )
    print(
        f"header follows: {after_run:.2f} s after a run, {after_terminate:.2f} s after a "
        f"terminate (one header_info() {info * 1000:.0f} ms; target < 0.5 s)"
    )
    print(
        f":q to process exit: {keys:.2f} s (a bare Textual app quitting on q: {direct:.2f} s; "
        f"ratio {keys / direct:.2f}; target < 0.5 s)"
    )
    ok = attest < 1.0 and max(after_run, after_terminate) < 0.5 and keys < 0.5
    print("targets met" if ok else "TARGETS MISSED")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
