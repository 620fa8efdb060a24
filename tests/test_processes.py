"""Recorded pids are only signalled while they still are the process we recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.home import Home
from core.kms.local.daemon import running_local_kms, state_path, stop_local_kms
from core.processes import process_alive, process_ctime


def test_a_live_process_matches_its_own_creation_time() -> None:
    assert process_alive(os.getpid(), process_ctime(os.getpid()))


def test_a_reused_pid_does_not_match() -> None:
    assert not process_alive(os.getpid(), process_ctime(os.getpid()) - 60)


def test_a_dead_process_is_not_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    ctime = process_ctime(child.pid)
    child.wait()
    assert not process_alive(child.pid, ctime)


def test_kms_stop_never_signals_a_pid_that_was_reused(nitrodeck_home: Path) -> None:
    # A stale daemon.json whose pid now belongs to this very test process: stopping must not
    # send it SIGINT (which would interrupt the test run).
    state_path(Home(nitrodeck_home)).write_text(
        json.dumps({"endpoint": "http://127.0.0.1:9", "pid": os.getpid(), "ctime": 1.0})
    )
    assert running_local_kms(Home(nitrodeck_home)) is None
    assert stop_local_kms(Home(nitrodeck_home)) is False
