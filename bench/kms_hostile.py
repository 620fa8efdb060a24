"""Benchmark: the local KMS under hostile local clients, against its own quiet baseline.

Starts `nitrodeck kms serve --port 0 --log-file …` as a real subprocess in a throw-away home,
then measures, in the same run:
- signed ListKeys latency (p50, p99, max) with no other client: the baseline;
- the same while 400 slow clients hold connections open, each dribbling a byte of its request
  head every half second (and the server's thread count meanwhile, from /proc);
- how long a client that sends its headers and then dribbles its body is kept before it is
  dropped;
- how much 1,000 connections that send a header and reset grow the request log.
Loopback only; every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kms_local import start_server  # noqa: E402

from core.kms.inventory import local_client  # noqa: E402

HEAD = (
    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
    b"X-Amz-Target: TrentService.ListKeys\r\nContent-Length: 100\r\n\r\n"
)
TARGET_MS = 100.0
LOG_BUDGET = 200 * 1024


def threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return -1


def latencies(kms: Any, count: int) -> list[float]:
    out = []
    for _ in range(count):
        start = time.perf_counter()
        kms.list_keys()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max_ms": ordered[-1],
    }


class Dribblers:
    """`count` connections, each sending one more byte of a request head every `interval` s."""

    def __init__(self, address: tuple[str, int], count: int, interval: float = 0.5) -> None:
        self.socks = [socket.create_connection(address) for _ in range(count)]
        self.sent = [0] * count
        self.interval = interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            for index, sock in enumerate(self.socks):
                if self.sent[index] < len(HEAD) - 4:
                    try:
                        sock.send(HEAD[self.sent[index] : self.sent[index] + 1])
                        self.sent[index] += 1
                    except OSError:
                        self.sent[index] = len(HEAD)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for sock in self.socks:
            sock.close()


def time_to_drop(address: tuple[str, int], limit: float = 30.0) -> float:
    """Seconds until the server drops a client that sent its head and dribbles its body."""
    start = time.perf_counter()
    with socket.create_connection(address) as sock:
        sock.sendall(HEAD)
        sock.settimeout(0.25)
        while time.perf_counter() - start < limit:
            try:
                sock.send(b" ")
                if sock.recv(1) == b"":
                    break
            except TimeoutError:
                continue
            except OSError:
                break
    return time.perf_counter() - start


def reset_flood(address: tuple[str, int], count: int) -> None:
    for _ in range(count):
        sock = socket.create_connection(address)
        sock.sendall(HEAD)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow-clients", type=int, default=400)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--resets", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="nitrodeck-bench-hostile-") as temp:
        home = Path(temp) / "home"
        process, endpoint = start_server(home, "--log-file", str(home / "kms" / "server.log"))
        address = ("127.0.0.1", int(endpoint.rsplit(":", 1)[1]))
        log = home / "kms" / "server.log"
        try:
            config = Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=10)
            kms = local_client(endpoint, home / "kms" / "credentials", config)
            latencies(kms, 5)  # warm
            results["baseline"] = summary(latencies(kms, args.requests))
            results["threads_idle"] = threads_of(process.pid)
            slow = Dribblers(address, args.slow_clients)
            try:
                time.sleep(1.0)  # every slow client has started its request
                results["with_slow_clients"] = summary(latencies(kms, args.requests))
                results["threads_with_slow_clients"] = threads_of(process.pid)
            finally:
                slow.close()
            results["slow_body_dropped_after_s"] = time_to_drop(address)
            before = log.stat().st_size
            reset_flood(address, args.resets)
            latencies(kms, 1)
            time.sleep(0.5)  # the server logs each reset as it notices it
            results["log_growth_bytes"] = log.stat().st_size - before
        finally:
            process.kill()
            process.wait()
    if args.json:
        print(json.dumps(results))
        return 0
    base, busy = results["baseline"], results["with_slow_clients"]

    def row(label: str, figures: dict[str, float]) -> str:
        return (
            f"  {label:<34} p50 {figures['p50_ms']:6.2f} ms  p99 {figures['p99_ms']:6.2f} ms  "
            f"max {figures['max_ms']:6.2f} ms"
        )

    print(f"local KMS under hostile clients ({os.cpu_count()} CPUs, loopback)")
    print(row("signed ListKeys, quiet:", base))
    print(row(f"signed ListKeys, {args.slow_clients} slow clients:", busy))
    verdict = "met" if busy["max_ms"] < TARGET_MS else "MISSED"
    print(
        f"  {'':<34} p99 ratio to quiet {busy['p99_ms'] / base['p99_ms']:.2f}; "
        f"max under {TARGET_MS:g} ms: {verdict}"
    )
    print(
        f"  server threads: {results['threads_idle']} quiet, "
        f"{results['threads_with_slow_clients']} with {args.slow_clients} slow clients"
    )
    dropped = results["slow_body_dropped_after_s"]
    print(f"  a header-then-dribble client is dropped after {dropped:.1f} s")
    grown = results["log_growth_bytes"]
    print(
        f"  {args.resets} header+reset connections grew the log by {grown / 1024:.1f} KiB "
        f"(budget {LOG_BUDGET // 1024} KiB: {'met' if grown < LOG_BUDGET else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
