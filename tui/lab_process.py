"""Lab actions for the app, run as `nitrodeck lab … --json` in a child process.

A lab's setup and check work with the lab's home as `$NITRODECK_HOME`, which is process-wide: done
inside the app, every other view and poller would briefly read or write the lab's home. A child
process gets its own environment, runs exactly what the command line runs, and its JSON answer
(or its error on stderr) comes back here; the app's environment never changes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.labs.model import CheckResult, Probe

TIMEOUT = 600.0
"""Generous: a start builds images and boots enclaves (seconds), a stuck child must still end."""


def run_lab(home: Path, *words: str) -> Any:
    """`nitrodeck lab WORDS --json` with `home` as its `$NITRODECK_HOME`; its parsed JSON.

    A child that prints no JSON failed: its stderr (the command line's own error text, what,
    where and how to fix) becomes the `NitrodeckError`.
    """
    env = dict(os.environ, NITRODECK_HOME=str(home))
    argv = [sys.executable, "-m", "tui", "lab", *words, "--json"]
    try:
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise NitrodeckError(
            f"`nitrodeck lab {' '.join(words)}` did not finish in {TIMEOUT:.0f} s",
            fix="try it from a shell to see where it stops",
        ) from error
    try:
        return json.loads(done.stdout)
    except ValueError:
        message = done.stderr.strip() or f"exit status {done.returncode}, no output"
        raise NitrodeckError(message.removeprefix("error: ")) from None


def check_result(data: Any) -> CheckResult:
    """`lab check --json`'s answer back as the `CheckResult` the text helpers take."""
    probes = tuple(Probe(bool(p["ok"]), str(p["label"]), str(p["detail"])) for p in data["probes"])
    return CheckResult(str(data["lab"]), probes)
