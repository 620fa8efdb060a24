"""Entry point of a simulated enclave's process: `python -m core.platform.sim.supervisor ROOT SLOT`.

It daemonises before importing anything heavy (the launcher waits only for the pid line), so the
enclave boots quickly; `enclave_process.Supervisor` does the rest.
"""

from __future__ import annotations

import os
import sys


def daemonize(log: str) -> None:
    """Fork (the parent prints our pid and exits) and leave the caller's session for good."""
    pid = os.fork()
    if pid:
        sys.stdout.write(f"{pid}\n")
        sys.stdout.flush()
        os._exit(0)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    err = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(err, 2)
    os.close(devnull)
    os.close(err)


def main(argv: list[str]) -> int:
    root, slot = argv[0], int(argv[1])
    directory = os.path.join(root, "enclaves", f"{slot:x}")
    if not os.path.isdir(directory):
        print(f"no enclave slot {slot:x} under {root}", file=sys.stderr)
        return 2
    daemonize(os.path.join(directory, "supervisor.log"))
    from pathlib import Path

    from core.home import Home
    from core.platform.sim.enclave_process import Supervisor
    from core.platform.sim.layout import Layout

    # A process entry, so an edge: the launcher set $NITRODECK_HOME to the instance's home.
    return Supervisor(Layout(Path(root), Home.resolve()), slot).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
