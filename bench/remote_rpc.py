"""Benchmark: what the remote protocol costs over a pipe, against the same calls in process.

One simulator home, opened twice: in process (`SimPlatform`) and behind `nitrodeck serve
--stdio` (the remote engine, minus ssh's own encryption). Times `describe_enclaves` and
`pool_state` round trips (p50/p99) and an agent `health` call through the forwarded vsock
stream, each against its in-process twin in the same run, and a fleet status of three served
homes against one member alone (concurrency: close to 1.0 means the members overlap).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from agent_attest import percentiles, timed  # noqa: E402

from core.home import Home  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300, help="round trips per operation")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="nd-bench-"))
    os.environ["NITRODECK_HOME"] = str(scratch / "h0")
    from core.agent.client import connect_agent
    from core.agent.demo import build_demo_image
    from core.fleet.status import fleet_status
    from core.platform.base import RunRequest
    from core.platform.sim.platform import SimPlatform
    from core.remote.target import Target, open_target

    build_demo_image(scratch / "demo.eif")
    local = SimPlatform(home=Home.resolve())
    remote = open_target(Target(name="h0", home=str(scratch / "h0")), home=Home.resolve())
    try:
        local.run_enclave(RunRequest(scratch / "demo.eif", 256, cpu_count=2, enclave_name="b"))
        rows = []
        for name in ("describe_enclaves", "pool_state"):
            here = percentiles(timed(getattr(local, name), args.count))
            there = percentiles(timed(getattr(remote, name), args.count))
            rows.append((name, here, there))
        with connect_agent(local, "b", wait=20) as near, connect_agent(remote, "b", wait=20) as far:
            rows.append(
                (
                    "agent health",
                    percentiles(timed(near.health, args.count)),
                    percentiles(timed(far.health, args.count)),
                )
            )
        print(f"{'call':<20} {'in process p50/p99 ms':>22} {'served p50/p99 ms':>20} {'ratio':>6}")
        for name, (h50, h99), (t50, t99) in rows:
            print(
                f"{name:<20} {h50:>10.3f} / {h99:<9.3f} {t50:>8.3f} / {t99:<9.3f} {t50 / h50:>6.1f}"
            )
        members = [Target(name=f"h{n}", home=str(scratch / f"h{n}")) for n in range(3)]
        start = time.perf_counter()
        fleet_status(members[:1], Home.resolve())
        one = time.perf_counter() - start
        start = time.perf_counter()
        fleet_status(members, Home.resolve())
        three = time.perf_counter() - start
        print(
            f"fleet status: 1 member {one:.2f} s, 3 members {three:.2f} s (ratio {three / one:.2f})"
        )
    finally:
        local.terminate_enclave(all_enclaves=True)
        remote.close()
        local.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
