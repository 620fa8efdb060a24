"""Programs a real parent has on `PATH` (systemctl, journalctl, nitro-cli's neighbours, docker),
run the one way the doctor and the allocator need: no shell, no stdin, a timeout, text out."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence

NOT_RUN = 127  # the shell's status for a program that could not be run


def run_program(argv: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str] | None:
    """The finished program; None when `argv[0]` is not on `PATH`. One that cannot start or
    outlives `timeout` is reported as status 127 with the reason as its stderr."""
    program = shutil.which(argv[0])
    if program is None:
        return None
    try:
        return subprocess.run(
            [program, *argv[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return subprocess.CompletedProcess(list(argv), NOT_RUN, "", str(error))
