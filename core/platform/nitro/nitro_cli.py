"""Running the real `nitro-cli`: its JSON on stdout, its `[ Exx ]` text on stderr, its exit code.

nitro-cli is the one source of truth for enclaves on a parent, so nitrodeck lists and changes
them only through it. The program is `$NITRODECK_NITRO_CLI` or `nitro-cli` on `PATH`. A failure
becomes a `NitroCliFailure` carrying nitro-cli's own first line, every E-code its text mentions
(E39 relays the enclave process's inner error) and the error log it names, read when we may.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.platform.errors import NitroCliError

RUN_TIMEOUT = 600.0
QUICK_TIMEOUT = 60.0
_CODE = re.compile(r"\[ E(\d\d) \]")
_ERR_LOG = re.compile(r'error log found at "([^"]+)"')
INSTALL_FIX = (
    "install nitro-cli (Amazon Linux 2023: sudo dnf install -y aws-nitro-enclaves-cli "
    "aws-nitro-enclaves-cli-devel), or set NITRODECK_NITRO_CLI to its path"
)
ERR_LOG_LIMIT = 8000


def find_nitro_cli() -> str:
    """The nitro-cli program to run, or a clear error saying how to get one."""
    chosen = os.environ.get("NITRODECK_NITRO_CLI")
    if chosen:
        if not os.access(chosen, os.X_OK):
            raise NitrodeckError(
                "NITRODECK_NITRO_CLI does not name an executable program",
                where=chosen,
                fix="point it at nitro-cli, or unset it to use nitro-cli from PATH",
            )
        return chosen
    found = shutil.which("nitro-cli")
    if found is None:
        raise NitrodeckError("nitro-cli is not on PATH", fix=INSTALL_FIX)
    return found


class NitroCliFailure(NitroCliError):
    """nitro-cli exited with an E-code: its own message, the codes it chained, its err log."""

    def __init__(
        self, code: int, stderr: str, *, err_log: str | None = None, log_text: str | None = None
    ) -> None:
        super().__init__(code, detail=_detail(stderr, log_text), fix=None)
        lines = [line for line in stderr.splitlines() if line.strip()]
        mine = f"[ E{code:02d} ]"
        first = next(
            (line for line in lines if mine in line),
            next((line for line in lines if _CODE.search(line)), lines[0] if lines else ""),
        )
        self.what = first.strip() or self.what
        self.args = (self.what,)
        self.chain = tuple(f"E{c}" for c in _CODE.findall(stderr))
        self.err_log = err_log
        self.stderr = stderr

    def to_json(self) -> dict[str, object]:
        data = super().to_json()
        data.update({"chain": list(self.chain), "err_log": self.err_log})
        return data


def _detail(stderr: str, log_text: str | None) -> str | None:
    """nitro-cli's stderr after its first `[ Exx ]` line, plus the err log when readable."""
    lines = stderr.strip().splitlines()
    index = next((i for i, line in enumerate(lines) if _CODE.search(line)), -1)
    rest = [line for line in lines[index + 1 :] if line.strip()]
    if log_text:
        rest += ["error log:", log_text.strip()[-ERR_LOG_LIMIT:]]
    return "\n".join(rest) or None


def failure(code: int, stderr: str) -> NitroCliFailure:
    """The error for a failed run; reads the err log nitro-cli names (it is often root-only)."""
    match = _ERR_LOG.search(stderr)
    path = match.group(1) if match else None
    text = None
    if path:
        try:
            text = Path(path).read_text(errors="replace")
        except OSError as error:
            text = f"(not readable by this user: {error.strerror}; try sudo cat {path})"
    return NitroCliFailure(code, stderr, err_log=path, log_text=text)


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
            code = done.returncode if 0 < done.returncode <= 60 else 0
            if done.returncode == 2 and not _CODE.search(done.stderr):
                raise NitrodeckError(
                    f"nitro-cli rejected its arguments: {done.stderr.strip()}",
                    where=self.program,
                    fix="check the nitro-cli version (nitro-cli --version); nitrodeck expects 1.2+",
                )
            raise failure(code, done.stderr)
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
