"""Is this pid still the process we started? Guards every signal we send to a recorded pid.

A pid read back from a state file may belong to a new, unrelated process once the one we
recorded has died; comparing the creation time tells them apart.
"""

from __future__ import annotations


def process_alive(pid: int, create_time: float) -> bool:
    """True when `pid` still is the process that started at `create_time` (not a reused pid)."""
    import psutil  # not at import time: the simulator's supervisor boots without it

    try:
        proc = psutil.Process(pid)
        if abs(proc.create_time() - create_time) > 0.05:
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def process_ctime(pid: int) -> float:
    """The creation time of `pid`, to record beside it."""
    import psutil

    return float(psutil.Process(pid).create_time())
