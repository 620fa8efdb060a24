"""Nitro console benchmark: lines/s through `NitroPlatform`'s two console paths vs a plain pipe.

Run: `.venv/bin/python bench/nitro_console.py [--lines N]`. The vsock path reads a stream socket
exactly as it reads AF_VSOCK (here a socketpair, injected: no AF_VSOCK is opened); the fallback
runs a nitro-cli-shaped program printing the banner and the lines. The baseline, measured in the
same run, is `cat` into a pipe read in the 1024-byte chunks `nitro-cli console` uses. Target:
each path ≥ 0.5× the baseline, as the simulator's console in `bench/sim_enclave.py`.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.platform.nitro.console import CliConsole, VsockConsole  # noqa: E402

NITRO_CLI_READ = 1024  # what `nitro-cli console` reads per call (docs/nitro-cli.md §4)


def make_lines(path: Path, count: int) -> int:
    with path.open("w") as f:
        for i in range(count):
            f.write(f"enclave console line {i:08d} lorem ipsum\n")
    return path.stat().st_size


def baseline(path: Path) -> float:
    started = time.perf_counter()
    proc = subprocess.Popen(["cat", str(path)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    while os.read(proc.stdout.fileno(), NITRO_CLI_READ):
        pass
    proc.wait()
    return time.perf_counter() - started


def vsock_path(path: Path, size: int) -> float:
    ours, theirs = socket.socketpair()
    data = path.read_bytes()

    def produce() -> None:
        theirs.sendall(data)
        theirs.close()

    started = time.perf_counter()
    threading.Thread(target=produce, daemon=True).start()
    got = sum(len(chunk) for chunk in VsockConsole(ours))
    assert got == size, (got, size)
    return time.perf_counter() - started


def fallback_path(path: Path, size: int, directory: Path) -> float:
    program = directory / "nitro-cli"
    program.write_text(
        "#!/bin/sh\necho 'Connecting to the console for enclave 16...'\n"
        f"echo 'Successfully connected to the console.'\nexec cat {path}\n"
    )
    program.chmod(0o755)
    started = time.perf_counter()
    got = sum(len(chunk) for chunk in CliConsole(str(program), "i-0-enc1"))
    assert got == size, (got, size)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        path = directory / "console.txt"
        size = make_lines(path, args.lines)
        base = min(baseline(path) for _ in range(3))
        vsock = min(vsock_path(path, size) for _ in range(3))
        cli = min(fallback_path(path, size, directory) for _ in range(3))
    rate = args.lines / base
    print(f"baseline cat | pipe : {rate:12,.0f} lines/s")
    for name, seconds in (("vsock stream path", vsock), ("nitro-cli console", cli)):
        ours = args.lines / seconds
        print(f"{name:<20}: {ours:12,.0f} lines/s  ({ours / rate:.2f}x baseline)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
