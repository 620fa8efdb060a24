"""Collapse a nitro-cli error chain to its root cause, from its printed text or from our errors.

nitro-cli hides causes in chains: run-enclave relays the enclave process's own `[ Exx ]` and
then fails with E39 ("Failed connections: 1"); a boot failure is E36 whatever went wrong; a
stale socket is a bare E11. Each `[ Exx ]` block names an error log ("…error log found at
"/var/log/nitro_enclaves/err<time>.log"") whose innermost subaction says what really failed.
`parse_output` reads the blocks (and the logs they name, under `NITRODECK_SYSROOT` when set),
`collapse` picks the root and refines it from the log, `collapse_error` does the same for a
`NitrodeckError` chain (`EnclaveProcessError.inner`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from core.errors import NitrodeckError
from core.explain.entry import Entry
from core.explain.table import lookup
from core.nitro_errors import EnclaveProcessError, NitroCliCode, NitroCliError

WRAPPERS = frozenset({"E38", "E39"})
"""Codes that only report that another (printed) error happened inside an enclave process."""

_BLOCK = re.compile(r"^\[ (E\d\d) \] ", re.M)
_LOG_PATH = re.compile(r'error log found at "([^"]+)"')
_FILE_OP = re.compile(r"File: '([^']*)', failing operation: '([^']*)'")
_OS_CODE = re.compile(r"Os \{ code: (\d+)")
_TAIL_MARKERS = ("For more details", "If you open a support ticket", "Failed connections:")


@dataclass(frozen=True)
class ErrLog:
    """nitro-cli's error log (`err<RFC3339>.log`): its action and subactions, outermost first."""

    action: str | None
    subactions: tuple[str, ...]
    root_file: str | None = None
    root_line: int | None = None
    version: str | None = None

    @property
    def innermost(self) -> str | None:
        return self.subactions[-1] if self.subactions else None


@dataclass(frozen=True)
class CliFailure:
    """One `[ Exx ]` block as nitro-cli printed it."""

    code: str
    message: str
    details: tuple[str, ...] = ()
    log_path: str | None = None
    log: ErrLog | None = None


@dataclass(frozen=True)
class RootCause:
    """The error that explains a chain, with the most specific evidence found for it."""

    entry: Entry
    chain: tuple[str, ...]
    """Every code in the order it surfaced, root first (e.g. `("E59", "E39")`)."""
    evidence: str | None = None
    hint: str | None = None
    log_path: str | None = None

    @property
    def code(self) -> str:
        return self.entry.code

    @property
    def fix(self) -> str:
        return self.hint or self.entry.fix

    @property
    def via(self) -> tuple[str, ...]:
        """The codes that only wrapped or followed the root."""
        return tuple(c for c in self.chain if c != self.code)

    def to_json(self) -> dict[str, object]:
        return {
            "root_cause": self.code,
            "chain": list(self.chain),
            "evidence": self.evidence,
            "hint": self.hint,
            "error_log": self.log_path,
            "explanation": self.entry.to_json(),
        }


def parse_err_log(text: str) -> ErrLog:
    """The fields of an error log (or of a `Backtrace:` section nitro-cli printed)."""
    action = root_file = version = None
    root_line = None
    subactions: list[str] = []
    in_subactions = False
    for raw in text.splitlines():
        line = raw.strip()
        key, _, value = line.partition(":")
        if key in ("Action", "Root error file", "Root error line", "Version") and value:
            in_subactions = False
            value = value.strip()
            if key == "Action":
                action = value
            elif key == "Root error file":
                root_file = value
            elif key == "Root error line":
                root_line = int(value) if value.isdigit() else None
            else:
                version = value
        elif line == "Subactions:":
            in_subactions = True
        elif in_subactions and line:
            subactions.append(line)
    return ErrLog(action, tuple(subactions), root_file, root_line, version)


def read_err_log(path: str, sysroot: Path | None = None) -> ErrLog | None:
    """The log at `path` (re-rooted under `sysroot` or `$NITRODECK_SYSROOT`); None if unreadable."""
    root = sysroot if sysroot is not None else os.environ.get("NITRODECK_SYSROOT")
    where = Path(root) / path.lstrip("/") if root else Path(path)
    try:
        return parse_err_log(where.read_text(errors="replace"))
    except OSError:
        return None


def parse_output(
    text: str, *, read_logs: bool = True, sysroot: Path | None = None
) -> list[CliFailure]:
    """Every `[ Exx ]` block of nitro-cli's stderr, in order, with the logs they name."""
    starts = [m.start() for m in _BLOCK.finditer(text)]
    failures = []
    for start, end in zip(starts, [*starts[1:], len(text)][: len(starts)], strict=True):
        block = text[start:end]
        code = block[2:5]
        head, _, rest = block[8:].partition("\n\n")
        lines = [line for line in head.splitlines() if line.strip()]
        backtrace = rest.split("Backtrace:\n", 1)[1] if "Backtrace:\n" in rest else None
        match = _LOG_PATH.search(block)
        log_path = match.group(1) if match else None
        log = parse_err_log(backtrace) if backtrace else None
        if log is None and log_path and read_logs:
            log = read_err_log(log_path, sysroot)
        details = tuple(line for line in lines[1:] if not line.startswith(_TAIL_MARKERS))
        failures.append(CliFailure(code, lines[0] if lines else "", details, log_path, log))
    return failures


def collapse(failures: list[CliFailure]) -> RootCause | None:
    """The root of a printed chain: the first error that is not a mere wrapper (E38/E39)."""
    if not failures:
        return None
    root = next((f for f in failures if f.code not in WRAPPERS), failures[-1])
    evidence, hint = _refine(root)
    chain = (root.code, *(f.code for f in failures if f is not root))
    return RootCause(lookup(root.code), chain, evidence, hint, root.log_path)


def collapse_error(error: BaseException) -> RootCause | None:
    """The root of one of our errors: follow `inner` (an E39 carrying the enclave process's
    error) down to the first error with its own code; None for errors nitro-cli has no code for.
    """
    chain: list[NitrodeckError] = []
    current: object = error
    while isinstance(current, NitrodeckError) and current.code is not None:
        chain.append(current)
        current = current.inner
    if not chain:
        return None
    root = chain[-1]
    failure = CliFailure(root.code or "E00", root.what, (root.detail,) if root.detail else ())
    evidence, hint = _refine(failure)
    codes = (root.code or "E00", *(e.code or "E00" for e in reversed(chain[:-1])))
    return RootCause(lookup(codes[0]), codes, evidence or root.detail, hint)


def error_from_output(text: str, status: int, *, sysroot: Path | None = None) -> NitroCliError:
    """What a real nitro-cli's failure (its stderr and exit status) means, as our error: the
    root `[ Exx ]` with its evidence and fix, inside an E39 when the enclave process relayed it.
    """
    failures = parse_output(text, sysroot=sysroot)
    cause = collapse(failures)
    if cause is None:
        code = status if 0 <= status <= max(NitroCliCode) else 0
        return NitroCliError(code, detail=text.strip()[-2000:] or None)
    root = next(f for f in failures if f.code == cause.code)
    error = NitroCliError.printed(
        cause.entry.number, root.message, detail=cause.evidence, fix=cause.fix
    )
    relayed = any(f.code in WRAPPERS for f in failures) and cause.code not in WRAPPERS
    return EnclaveProcessError(error) if relayed else error


def _refine(failure: CliFailure) -> tuple[str | None, str | None]:
    """The most specific sentence about `failure` and, where it tells more, a better fix."""
    innermost = failure.log.innermost if failure.log else None
    evidence = "; ".join(failure.details) or innermost
    text = " ".join(filter(None, [*failure.details, innermost or ""]))
    os_code = _OS_CODE.search(text)
    errno = int(os_code.group(1)) if os_code else None
    if failure.code == "E36":
        return innermost or evidence, _boot_hint(text)
    if failure.code == "E11" and errno in (2, 111):
        return innermost or evidence, _socket_hint(errno)
    file_op = _FILE_OP.search(text)
    if failure.code == "E19" and file_op and file_op.group(1) == "/dev/nitro_enclaves":
        return evidence, _device_hint(errno)
    return evidence, None


def _boot_hint(text: str) -> str | None:
    if "VsockTimeoutError" in text:
        return (
            "the enclave never sent its heartbeat: its kernel or init did not come up. Launch "
            "it with --debug-mode --attach-console and read the boot log"
        )
    if "bind error" in text:
        return (
            "the heartbeat port (vsock CID 3, port 9000) is held, usually by another launch in "
            "progress: wait for it to finish, then launch again"
        )
    if "VsockReceivingError" in text or "VsockAcceptingError" in text:
        return (
            "the enclave connected but broke off before the heartbeat: it crashed while "
            "booting. Launch it with --debug-mode --attach-console to see why"
        )
    return None


def _socket_hint(errno: int | None) -> str:
    if errno == 111:
        return (
            "stale socket: the enclave process for this ID died and left its socket in "
            "/run/nitro_enclaves. `nitro-cli describe-enclaves` removes it; launch the enclave "
            "again if you still need it"
        )
    return (
        "no enclave with this ID exists any more (it ended, or the ID is mistyped): use an ID "
        "that `nitro-cli describe-enclaves` lists"
    )


def _device_hint(errno: int | None) -> str:
    if errno == 13:
        return (
            "this user may not open /dev/nitro_enclaves: `sudo usermod -aG ne $USER`, then log "
            "in again"
        )
    return (
        "/dev/nitro_enclaves does not exist: the instance was launched without enclave support "
        "(only a new instance launched with `--enclave-options Enabled=true` has it) or the "
        "driver is not loaded (`sudo modprobe nitro_enclaves`)"
    )
