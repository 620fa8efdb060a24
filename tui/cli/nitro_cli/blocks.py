"""nitro-cli's failure text: the `[ Exx ]` block, its err log, and run-enclave's E39 relay.

The layout is nitro-cli's `construct_error_message` (its `src/common/mod.rs`): the message, a
blank line, the documentation link, a blank line, the err log's path; the log holds the action
and subactions (`construct_backtrace`). A failure inside the enclave process reaches the user as
that process's block, `Failed connections: 1`, then the CLI's own E39 block (exit 39).
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from core.errors import NitrodeckError
from core.home import Home
from core.nitro_errors import DOCS_LINK, NitroCliCode, NitroCliError, code_name, detailed_info

DEFAULT_LOGS = "/var/log/nitro_enclaves"
_FILE_OP = re.compile(r"File: '([^']*)', failing operation: '([^']*)'")


def logs_dir() -> tuple[Path, str]:
    """Where to write err logs and the path to print: `NITRO_CLI_LOGS_PATH` as nitro-cli does;
    else `/var/log/nitro_enclaves` under `$NITRODECK_SYSROOT` (printed as the parent sees it);
    else the simulator's own log directory."""
    chosen = os.environ.get("NITRO_CLI_LOGS_PATH")
    if chosen:
        return Path(chosen), chosen
    root = os.environ.get("NITRODECK_SYSROOT")
    if root:
        return Path(root) / DEFAULT_LOGS.lstrip("/"), DEFAULT_LOGS
    own = Home.resolve() / "sim" / "nitro_cli_logs"  # nitro-cli mode's own process: an edge
    return own, str(own)


def message(error: NitrodeckError) -> str:
    """nitro-cli's `[ Exx ] …` text for `error` (E19 with its file and operation, as there)."""
    if isinstance(error, NitroCliError):
        text = error.what
        found = _FILE_OP.search(error.detail or "") if error.cli_code == 19 else None
        if found and "\nFile: " not in text:
            text += f"\nFile: '{found.group(1)}', failing operation: '{found.group(2)}'."
        return text
    number = int(error.code[1:]) if error.code else 0
    return detailed_info(number)


def _stamp() -> str:
    """chrono's `to_rfc3339()`: nanoseconds and `+00:00`."""
    ns = time.time_ns()
    now = datetime.fromtimestamp(ns // 1_000_000_000, UTC)
    return f"{now:%Y-%m-%dT%H:%M:%S}.{ns % 1_000_000_000:09d}+00:00"


def _backtrace(action: str, subactions: list[str]) -> str:
    """nitro-cli's `construct_backtrace`: what its err log holds (and BACKTRACE=1 prints)."""
    return (
        f"  Action: {action}\n  Subactions:"
        + "".join(f"\n    {line}" for line in subactions)
        + "\n  Root error file: src/lib.rs\n  Root error line: 0\n  Version: 1.5.0"
    )


def _write_log(text: str) -> str | None:
    """The err log nitro-cli writes for a failure; its printed path, or None if unwritable."""
    directory, shown = logs_dir()
    stamp = _stamp()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"err{stamp}.log").write_text(text)
    except OSError:
        return None
    return f"{shown}/err{stamp}.log"


def block(error: NitrodeckError, action: str, subactions: list[str] | None = None) -> str:
    """One failure as nitro-cli prints it (with the trailing newline of its `eprintln!`)."""
    code = error.code or code_name(0)
    steps = subactions if subactions is not None else _subactions(error)
    text = f"{message(error)}\n\nFor more details, please visit {DOCS_LINK.format(code=code)}"
    backtrace = _backtrace(action, steps)
    if os.environ.get("BACKTRACE") == "1":
        text += f"\n\nBacktrace:\n{backtrace}"
    log = _write_log(backtrace)
    if log is not None:
        text += f'\n\nIf you open a support ticket, please provide the error log found at "{log}"'
    return text + "\n"


def _subactions(error: NitrodeckError) -> list[str]:
    lines = [error.detail or "", error.what if not isinstance(error, NitroCliError) else ""]
    return [line for text in lines for line in text.splitlines() if line]


def relay(inner: NitrodeckError, action: str) -> str:
    """run-enclave's stderr when the enclave process fails: its block (sent with a newline of its
    own), the count of failed connections, then E39."""
    outer = NitroCliError(NitroCliCode.EnclaveProcessConnectionFailure)
    return (
        block(inner, action)
        + "Failed connections: 1\n"
        + block(
            outer,
            action,
            [
                "Failed to handle all enclave process replies",
                "Failed to connect to 1 enclave processes",
            ],
        )
    )
