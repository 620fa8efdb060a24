"""nitro-cli's error table (E00–E60) and the exception that carries one.

At the bottom of `core`, beside `core.errors`: the EIF engine, the platforms and the
explanations all raise these codes, so none of them reaches up into a platform for them.

The codes are the ordinals of nitro-cli's `NitroCliErrorEnum`, so the exit status of a failing
command is the E-number, exactly as scripts written for nitro-cli expect. The texts are nitro-cli
1.5.0's `get_detailed_info` strings, kept as data in `nitro_cli_errors.json` (which records the
upstream tag and commit; see docs/nitro-cli.md); `{}` placeholders take the same arguments.
"""

from __future__ import annotations

import json
from enum import IntEnum
from importlib import resources
from typing import Any

from core.errors import NitrodeckError

TABLE_RESOURCE = "nitro_cli_errors.json"


class NitroCliCode(IntEnum):
    """`NitroCliErrorEnum`, in its declaration order (value = E-number = exit status)."""

    UnspecifiedError = 0
    MissingArgument = 1
    ConflictingArgument = 2
    InvalidArgument = 3
    SocketPairCreationFailure = 4
    ProcessSpawnFailure = 5
    DaemonizeProcessFailure = 6
    ReadFromDiskFailure = 7
    UnusableConnectionError = 8
    SocketCloseError = 9
    SocketConnectTimeoutError = 10
    SocketError = 11
    EpollError = 12
    InotifyError = 13
    InvalidCommand = 14
    LockAcquireFailure = 15
    ThreadJoinFailure = 16
    SerdeError = 17
    FilePermissionsError = 18
    FileOperationFailure = 19
    InvalidCpuConfiguration = 20
    NoSuchCpuAvailableInPool = 21
    InsufficientCpus = 22
    MalformedCpuId = 23
    CpuError = 24
    NoSuchHugepageFlag = 25
    InsufficientMemoryRequested = 26
    InsufficientMemoryAvailable = 27
    InvalidEnclaveFd = 28
    IoctlFailure = 29
    IoctlImageLoadInfoFailure = 30
    IoctlSetMemoryRegionFailure = 31
    IoctlAddVcpuFailure = 32
    IoctlEnclaveStartFailure = 33
    MemoryOverflow = 34
    EifParsingError = 35
    EnclaveBootFailure = 36
    EnclaveEventWaitError = 37
    EnclaveProcessCommandNotExecuted = 38
    EnclaveProcessConnectionFailure = 39
    SocketPathNotFound = 40
    EnclaveProcessSendReplyFailure = 41
    EnclaveMmapError = 42
    EnclaveMunmapError = 43
    EnclaveConsoleConnectionFailure = 44
    EnclaveConsoleReadError = 45
    EnclaveConsoleWriteOutputError = 46
    IntegerParsingError = 47
    EifBuildingError = 48
    DockerImageBuildError = 49
    DockerImagePullError = 50
    ArtifactsPathNotSet = 51
    BlobsPathNotSet = 52
    ClockSkewError = 53
    SignalMaskingError = 54
    SignalUnmaskingError = 55
    LoggerError = 56
    HasherError = 57
    EnclaveNamingError = 58
    EIFSignatureCheckerError = 59
    EIFSigningError = 60


def _load_table() -> dict[str, Any]:
    """`nitro_cli_errors.json`: nitro-cli 1.5's table as data, one source for code and tests."""
    text = resources.files("core").joinpath(TABLE_RESOURCE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


_TABLE = _load_table()
DOCS_LINK: str = _TABLE["help_link"]
MESSAGES: dict[int, str] = {int(row["code"][1:]): row["message"] for row in _TABLE["errors"]}
EXPLAINED: dict[int, str] = {
    int(row["code"][1:]): row["explain"] for row in _TABLE["errors"] if row.get("explain")
}
"""What `nitro-cli explain --error-code` prints per code (none for E57-E59)."""
# Texts that take arguments but may be raised without them keep nitro-cli's placeholder.
_PLACEHOLDER: str = _TABLE["placeholder"]


def code_name(code: int) -> str:
    """`E07` for 7: the form nitro-cli prints and its documentation anchors use."""
    return f"E{int(code):02d}"


def detailed_info(code: int, *args: object) -> str:
    """nitro-cli's `[ Exx ] <message>` line with the message's arguments filled in."""
    template = MESSAGES.get(code)
    if template is None:
        return f"[ {code_name(code)} ] No such error code {code_name(code)}"
    wanted = template.count("{}")
    filled = [str(a) for a in args[:wanted]]
    filled += [_PLACEHOLDER] * (wanted - len(filled))
    return f"[ {code_name(code)} ] " + template.format(*filled)


class NitroCliError(NitrodeckError):
    """A nitro-cli error: exit status = E-number, text = nitro-cli's, plus a detail and a fix.

    `detail` is the specific cause nitro-cli puts in its backtrace (e.g. the driver's sentence
    inside E29); we print it on the line after the message so the user sees it without
    `BACKTRACE=1`. `cli_code` is the enum member; `code` its printed form (`"E29"`).
    """

    label = ""  # nitro-cli prints "[ Exx ] ..." with nothing before it

    def __init__(
        self,
        code: int,
        *args: object,
        detail: str | None = None,
        fix: str | None = None,
        where: str | None = None,
    ) -> None:
        self.cli_code = NitroCliCode(int(code))
        self.code = code_name(self.cli_code)
        self.exit_code = int(self.cli_code)
        self.args_info = tuple(args)
        super().__init__(detailed_info(self.cli_code, *args), where=where, fix=fix, detail=detail)

    @classmethod
    def printed(
        cls, code: int, message: str, *, detail: str | None = None, fix: str | None = None
    ) -> NitroCliError:
        """The error as a real nitro-cli printed it (`message` is the text after `[ Exx ]`)."""
        error = cls(code, detail=detail, fix=fix)
        error.what = f"[ {error.code} ] {message}"
        error.args = (error.what,)
        return error

    @property
    def name(self) -> str:
        return code_name(self.cli_code)

    def __str__(self) -> str:
        lines = [self.what]
        if self.detail:
            lines.append(self.detail)
        lines += ["", f"For more details, please visit {DOCS_LINK.format(code=self.name)}"]
        if self.fix:
            lines.append(f"fix: {self.fix}")
        return "\n".join(lines)


class EnclaveProcessError(NitroCliError):
    """A failure inside the enclave process: E39 carrying the inner `[ Exx ]` (nitro-cli's way).

    `inner` is the enclave process's own error; `detail` is its text, so the E39 line reads
    as nitro-cli's does, and `core.explain` can reach the root cause without parsing it.
    `root_code` is the inner error's E-number, the one field a remote call needs to rebuild it.
    """

    def __init__(self, inner: NitroCliError) -> None:
        self.inner = inner
        self.root_code = int(inner.cli_code)
        lines = [inner.what] + ([inner.detail] if inner.detail else [])
        super().__init__(
            NitroCliCode.EnclaveProcessConnectionFailure, detail="\n".join(lines), fix=inner.fix
        )
