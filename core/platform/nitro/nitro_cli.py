"""Running the real `nitro-cli`: its JSON on stdout, its `[ Exx ]` text on stderr, its exit code.

nitro-cli is the one source of truth for enclaves on a parent, so nitrodeck lists and changes
them only through it. The program is `$NITRODECK_NITRO_CLI` or `nitro-cli` on `PATH` (never
nitrodeck's own nitro-cli mode: `find_nitro_cli`). A failure
becomes the `NitroCliError` of its root cause (`core.explain.chain.error_from_output`: E39
relaying the enclave process's error becomes that error inside an `EnclaveProcessError`, with
the err log nitro-cli names as evidence).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from core.errors import NitrodeckError
from core.nitro_errors import NitroCliError

RUN_TIMEOUT = 600.0
QUICK_TIMEOUT = 60.0
_CODE = re.compile(r"\[ E(\d\d) \]")
INSTALL_FIX = (
    "install nitro-cli (Amazon Linux 2023: sudo dnf install -y aws-nitro-enclaves-cli "
    "aws-nitro-enclaves-cli-devel), or set NITRODECK_NITRO_CLI to its path"
)


GUARD = "NITRODECK_EXEC_NITRO_CLI"
"""Set in the environment of the nitro-cli nitrodeck hands a command to: if that program turns
out to be nitrodeck after all, it refuses instead of handing it on again."""
_MARKERS = (b"tui.cli.main", b"nitrodeck nitro-cli mode")


def find_nitro_cli() -> str:
    """The real nitro-cli's absolute path, or a clear error saying how to get one.

    `$NITRODECK_NITRO_CLI`, else the first `nitro-cli` on PATH that is not nitrodeck itself: a
    link to nitrodeck (resolved and compared) or a copy of its launcher is passed over, so
    nitrodeck's own `nitro-cli` (see `nitrodeck shellenv`) never answers for the real one.
    """
    chosen = os.environ.get("NITRODECK_NITRO_CLI")
    if chosen:
        if not os.access(chosen, os.X_OK):
            raise NitrodeckError(
                "NITRODECK_NITRO_CLI does not name an executable program",
                where=chosen,
                fix="point it at nitro-cli, or unset it to use nitro-cli from PATH",
            )
        return os.path.abspath(chosen)
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.abspath(os.path.join(directory or ".", "nitro-cli"))
        usable = os.path.isfile(candidate) and os.access(candidate, os.X_OK)
        if usable and not is_nitrodeck(candidate):
            return candidate
    raise NitrodeckError("nitro-cli is not on PATH", fix=INSTALL_FIX)


def is_nitrodeck(path: str) -> bool:
    """Whether the program at `path` is nitrodeck (its launcher, a link to it, or a copy)."""
    real = os.path.realpath(path)
    if sys.argv and sys.argv[0] and real == os.path.realpath(sys.argv[0]):
        return True
    try:
        with open(real, "rb") as program:
            head = program.read(4096)
    except OSError:
        return False
    return head.startswith(b"#!") and any(marker in head for marker in _MARKERS)


def exec_real_nitro_cli(args: Sequence[str]) -> int:
    """Replace this process with the real nitro-cli running `args` (a real parent's nitro-cli
    mode): its output and exit status are then exactly nitro-cli's."""
    if os.environ.get(GUARD):
        raise NitrodeckError(
            "the nitro-cli nitrodeck found is nitrodeck itself",
            where=os.environ[GUARD],
            fix="install the real nitro-cli, or set NITRODECK_NITRO_CLI to its absolute path",
        )
    program = find_nitro_cli()
    os.environ[GUARD] = program
    os.execv(program, [program, *args])
    return 0  # not reached: execv replaced the process


def failure(status: int, stderr: str) -> NitroCliError:
    """nitro-cli's failure as our error, collapsed to its root cause (the explainer's reading of
    its `[ Exx ]` blocks and of the err logs they name)."""
    from core.explain.chain import error_from_output

    return error_from_output(stderr, status)


class NitroCli:
    """Runs one nitro-cli program; `json(...)` for commands that print JSON on stdout."""

    def __init__(self, program: str | None = None) -> None:
        self.program = program or find_nitro_cli()

    def run(
        self, args: Sequence[str], timeout: float = QUICK_TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        try:
            done = subprocess.run(
                [self.program, *args],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except OSError as error:
            raise NitrodeckError(
                f"cannot run nitro-cli: {error.strerror or error}",
                where=self.program,
                fix=INSTALL_FIX,
            ) from error
        except subprocess.TimeoutExpired as error:
            raise NitrodeckError(
                f"nitro-cli {' '.join(args[:1])} did not finish within {timeout:g} s",
                where=self.program,
                fix="look at /var/log/nitro_enclaves/nitro_enclaves.log for what it waits on",
            ) from error
        if done.returncode != 0:
            if done.returncode == 2 and not _CODE.search(done.stderr):
                raise NitrodeckError(
                    f"nitro-cli rejected its arguments: {done.stderr.strip()}",
                    where=self.program,
                    fix="check the nitro-cli version (nitro-cli --version); nitrodeck expects 1.2+",
                )
            raise failure(done.returncode, done.stderr)
        return done

    def json(self, args: Sequence[str], timeout: float = QUICK_TIMEOUT) -> Any:
        done = self.run(args, timeout)
        try:
            return json.loads(done.stdout)
        except ValueError as error:
            raise NitrodeckError(
                f"nitro-cli {args[0]} printed no JSON ({error})",
                where=self.program,
                fix="run the same nitro-cli command by hand to see what it prints",
            ) from error

    def version(self) -> str:
        """`nitro-cli --version`'s text, e.g. `Nitro CLI 1.4.2`."""
        return self.run(["--version"]).stdout.strip()
