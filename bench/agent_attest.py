"""Benchmark: the agent's attest round trip on the simulator, p50 and p99.

Builds the demo image, runs it on the embedded simulator (own temporary home), and times
`attest` round trips from the parent (request frame → vsock emulation → agent → simulated NSM
signs a document → reply) against the agent's `health` round trip in the same run, which is
the transport and protocol cost alone; the ratio is what producing a signed document adds.
`recipient_key` (RSA-2048 key generation plus a document) is timed too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.home import Home  # noqa: E402


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return p50 * 1000, p99 * 1000


def timed(call: Callable[[], object], count: int) -> list[float]:
    for _ in range(min(10, count)):  # warm up caches and the leaf certificate
        call()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300, help="round trips per operation")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="nitrodeck-bench-"))
    os.environ["NITRODECK_HOME"] = str(home)
    from core.agent.client import connect_agent
    from core.agent.demo import build_demo_image
    from core.platform.base import RunRequest
    from core.platform.sim.platform import SimPlatform

    build_demo_image(home / "demo.eif")
    platform = SimPlatform(home=Home.resolve())
    try:
        platform.run_enclave(
            RunRequest(eif_path=home / "demo.eif", memory_mib=512, cpu_count=2, enclave_name="b")
        )
        with connect_agent(platform, "b", wait=20) as agent:
            nonce = os.urandom(32)
            health = timed(agent.health, args.count)
            attest = timed(lambda: agent.attest(nonce=nonce), args.count)
            keys = timed(agent.recipient_key, max(20, args.count // 10))
    finally:
        platform.terminate_enclave(all_enclaves=True)
        platform.close()
        shutil.rmtree(home, ignore_errors=True)
    h50, h99 = percentiles(health)
    a50, a99 = percentiles(attest)
    k50, k99 = percentiles(keys)
    print(f"agent round trips on the simulator ({args.count} each):")
    print(f"  health (baseline)  p50 {h50:7.2f} ms   p99 {h99:7.2f} ms")
    print(f"  attest             p50 {a50:7.2f} ms   p99 {a99:7.2f} ms")
    print(f"  recipient_key      p50 {k50:7.2f} ms   p99 {k99:7.2f} ms   ({len(keys)} calls)")
    print(f"  ratio attest/health p50 {a50 / h50:.1f}x, p99 {a99 / h99:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
