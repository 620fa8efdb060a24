"""Simulator benchmark: run-enclave → heartbeat time, and console throughput vs `cat | pipe`.

Run: `.venv/bin/python bench/sim_enclave.py [--lines N] [--boots N]`. Everything happens in a
temporary NITRODECK_HOME. Targets: boot under 0.5 s; console ≥ 0.5× the pipe baseline, both
measured in this same run, both timed from the payload's own start stamp to the last line.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.home import Home  # noqa: E402


def make_lines(path: Path, count: int) -> None:
    with path.open("w") as f:
        for i in range(count):
            f.write(f"enclave console line {i:08d} lorem ipsum\n")


SCRIPT = "date +%s.%N; exec cat {}"
MARKER = b"enclave console line "


class LineClock:
    """Counts bench lines in a byte stream (markers may straddle chunks) and times them from
    the payload's own start stamp (its first line, printed by `date`) to the last line."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.seen = 0
        self.started: float | None = None
        self.finished: float | None = None
        self._carry = b""
        self._head = b""

    def feed(self, chunk: bytes) -> None:
        if self.started is None:
            self._head += chunk
            for line in self._head.split(b"\n")[:-1]:
                try:
                    self.started = float(line.strip())
                    break
                except ValueError:
                    continue
        joined = self._carry + chunk
        self.seen += joined.count(MARKER)
        tail = joined[-len(MARKER) :]
        self._carry = b"" if MARKER in tail else joined[-(len(MARKER) - 1) :]
        if self.seen >= self.total and self.finished is None:
            self.finished = time.time()

    def rate(self) -> float:
        if self.started is None or self.finished is None:
            return 0.0
        return self.total / (self.finished - self.started)


def pipe_baseline(lines: Path, count: int, cpus: set[int] | None) -> float:
    """Lines/s of the same payload read straight through a pipe (`cpus`: pinned like the
    enclave's payload, so both producers run under the same CPU conditions)."""
    pin = None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))
    proc = subprocess.Popen(
        ["sh", "-c", SCRIPT.format(lines)], stdout=subprocess.PIPE, preexec_fn=pin
    )
    assert proc.stdout is not None
    clock = LineClock(count)
    while data := os.read(proc.stdout.fileno(), 1 << 20):  # the follower's read size too
        clock.feed(data)
    proc.wait()
    assert clock.seen == count, (clock.seen, count)
    return clock.rate()


def build(work: Path, lines: Path) -> tuple[Path, Path]:
    from core.eif import build_eif

    idle = work / "idle"
    (idle / "app").mkdir(parents=True)
    (idle / "app" / "run.sh").write_text("#!/bin/sh\nexec sleep 600\n")
    (idle / "app" / "run.sh").chmod(0o755)
    cat = work / "cat"
    (cat / "app").mkdir(parents=True)
    (cat / "app" / "lines.txt").write_bytes(lines.read_bytes())
    _, idle_eif = build_eif(rootfs=idle, output=work / "idle.eif", cmd=["/app/run.sh"])
    _, cat_eif = build_eif(
        rootfs=cat,
        output=work / "cat.eif",
        cmd=["sh", "-c", SCRIPT.format("app/lines.txt")],  # cwd is the rootfs
    )
    return idle_eif, cat_eif


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=400_000)
    parser.add_argument("--boots", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ndb") as tmp:
        work = Path(tmp)
        os.environ["NITRODECK_HOME"] = str(work / "h")
        from core.platform.base import PoolConfig, RunRequest
        from core.platform.sim.platform import SimPlatform

        lines = work / "lines.txt"
        make_lines(lines, args.lines)
        idle_eif, cat_eif = build(work, lines)
        sim = SimPlatform("m5.2xlarge", home=Home.resolve())
        size_mib = cat_eif.stat().st_size // (1 << 20) + 1
        memory = max(256, 4 * size_mib)
        sim.apply_pool(PoolConfig(memory_mib=memory + 256, cpu_count=2))
        try:
            boots = []
            for _ in range(args.boots):
                start = time.perf_counter()
                info = sim.run_enclave(RunRequest(idle_eif, memory_mib=256, cpu_count=2))
                boots.append(time.perf_counter() - start)
                sim.terminate_enclave(enclave_id=info.enclave_id)
            boot = statistics.median(boots)
            print(
                f"boot: run-enclave → heartbeat median {boot * 1000:.0f} ms over {len(boots)} "
                f"(min {min(boots) * 1000:.0f}, max {max(boots) * 1000:.0f}); target < 500 ms: "
                f"{'PASS' if boot < 0.5 else 'FAIL'}"
            )
            from core.platform.sim.payload import host_cpus_for

            pinned = host_cpus_for([1, 5])  # the host CPUs standing for the enclave's vCPUs
            ours, pinned_rates, free_rates = [], [], []
            for _ in range(args.rounds):  # interleaved, so a busy moment hits all three
                info = sim.run_enclave(
                    RunRequest(cat_eif, memory_mib=memory, cpu_count=2, debug_mode=True)
                )
                clock = LineClock(args.lines)
                for chunk in sim.console(info.enclave_id):
                    clock.feed(chunk)
                if clock.seen < args.lines:  # the follower fell > 16 MiB behind (saturated host)
                    print(f"  round lost {args.lines - clock.seen} lines to console rotation")
                ours.append(clock.rate())
                pinned_rates.append(pipe_baseline(lines, args.lines, pinned))
                free_rates.append(pipe_baseline(lines, args.lines, None))
            rate = statistics.median(ours)
            baseline = statistics.median(pinned_rates)
            free = statistics.median(free_rates)
            ratio = rate / baseline
            print(
                f"console: median of {args.rounds}: {rate:,.0f} lines/s payload → follower; "
                f"cat | pipe pinned like the payload (host CPUs {sorted(pinned)}) "
                f"{baseline:,.0f} lines/s; ratio {ratio:.2f}; target ≥ 0.5: "
                f"{'PASS' if ratio >= 0.5 else 'FAIL'}"
            )
            print(f"         (unpinned cat | pipe {free:,.0f} lines/s; ratio {rate / free:.2f})")
        finally:
            sim.terminate_enclave(all_enclaves=True)
            sim.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
