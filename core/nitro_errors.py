"""nitro-cli's error table (E00–E60) and the exception that carries one.

At the bottom of `core`, beside `core.errors`: the EIF engine, the platforms and the
explanations all raise these codes, so none of them reaches up into a platform for them.

The codes are the ordinals of nitro-cli's `NitroCliErrorEnum`, so the exit status of a failing
command is the E-number, exactly as scripts written for nitro-cli expect. The texts are nitro-cli's
`get_detailed_info` strings (aws/aws-nitro-enclaves-cli `src/common/document_errors.rs`); `{}`
placeholders take the same arguments as there. E60's text is not in the release the spec cites and
is written in the same style.
"""

from __future__ import annotations

from enum import IntEnum

from core.errors import NitrodeckError

DOCS_LINK = "https://docs.aws.amazon.com/enclaves/latest/user/cli-errors.html#{code}"


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


_ALLOCATOR_YAML = "'/etc/nitro_enclaves/allocator.yaml'"
_SERVICE = "nitro-enclaves-allocator.service"

MESSAGES: dict[int, str] = {
    0: "Unspecified error. This is used as a catch-all error and should not be used in the code.",
    1: "Missing mandatory argument. User did not provide the `{}` argument.",
    2: "Conflicting arguments. User provided both `{}` and `{}`.",
    3: "Invalid argument provided. The parameter `{}` is not a valid integer (`{}`)",
    4: "Socket pair creation failure. Such error appears when the Nitro CLI process attempts to "
    "open a stream pair in order to send a command to the enclave process but the stream "
    "initialization fails.",
    5: "Process spawn failure. Such error appears when the main Nitro CLI process fails to spawn "
    "the enclave process, in order to complete a `run-enclave` command.",
    6: "Daemonize process failure. Such error appears when the system fails to daemonize a newly "
    "spawned enclave process.",
    7: "Read from disk failure. Such error appears when the Nitro CLI process fails to read the "
    "content of the enclave sockets directory (usually '/run/nitro_enclaves/') in order to perform "
    "a `describe-enclave` operation. Check that the directory exists and it has proper "
    "permissions, or run the Nitro Enclaves configuration script in order to (re)configure the "
    "environment.",
    8: "Unusable connection error. Such error appears when the Nitro CLI process attempts to open "
    "a connection to a non-existing or previously closed enclave descriptor",
    9: "Socket close error. Such error appears when the system fails to successfully close a "
    "communication channel.",
    10: "Socket connect set timeout error. Such error appears when the system fails to configure "
    "a specific timeout for a given socket. May arise when trying to connect to an enclave's "
    "console.",
    11: "Socket error. This is used as an error for catching any other socket operation errors "
    "not covered by previous custom errors.",
    12: "Epoll error. Such error appears, for instance, when the system fails to register a "
    "specific enclave descriptor with epoll in order to monitor events for it.",
    13: "Inotify error. Such error appears when the system fails to configure a socket for "
    "monitorization.",
    14: "Invalid command. Such error appears when an unknown command and / or unknown arguments "
    "are sent through a socket.",
    15: "Lock acquire failure. Such error appears when the system fails to obtain the lock for an "
    "object with concurrent access, such as a structure containing information about a running "
    "enclave.",
    16: "Thread join failure. Such error appears when the system fails to successfully join a "
    "thread, after it finished executing.",
    17: "Serde error. Such error appears when serializing / deserializing a command or response "
    "fails.",
    18: "File permissions error. Such error appears when a user other than the owner of the "
    "logging file (usually '/var/log/nitro_enclaves/nitro_enclaves.log') attempts to change the "
    "file permissions",
    19: "File operation failure. Such error appears when the system fails to perform the "
    "requested file operations, such as opening the EIF file when launching an enclave, or seeking "
    "to a specific offset in the EIF file, or writing to the log file.",
    20: "Invalid CPU configuration. User provided `{}` contains same CPU(s) (CPU(s) {}) multiple "
    "times.",
    21: "No such CPU available in the pool. User provided `{}` contains CPU {}, which is not "
    "available in the pool.\nYou can add a specific CPU to the CPU pool by editing the `cpu_pool` "
    f"value from {_ALLOCATOR_YAML} and then enable the {_SERVICE}.",
    22: "Insufficient CPUs available in the pool. User provided `{}` is {}, which is more than the "
    "configured CPU pool size.\nYou can increase the CPU pool size by editing the `cpu_count` "
    f"value from {_ALLOCATOR_YAML} and then enable the {_SERVICE}.",
    23: "Malformed CPU ID error. Such error appears when a `lscpu` line is malformed and reports "
    "an invalid online CPUs list.",
    24: "CPU error. Such error appears when a CPU line interval is invalid (for instance, 0-3-7)",
    25: "No such hugepage flag error. Such error appears when the enclave process attempts to use "
    "an invalid hugepage size (size other than the known hugepage sizes) for initializing the "
    "enclave memory.",
    26: "Insufficient memory requested. User provided `{}` is {} MB, but based on the EIF file "
    "size, the minimum memory should be {} MB",
    27: "Insufficient memory available. User provided `{}` is {} MB, which is more than the "
    "available hugepage memory.\nYou can increase the available memory by editing the "
    f"`memory_mib` value from {_ALLOCATOR_YAML} and then enable the {_SERVICE}.",
    28: "Invalid enclave descriptor. Such error appears when the NE_CREATE_VM ioctl returns with "
    "an error.",
    29: "Ioctl failure. Such error is used as a general ioctl error and appears whenever an ioctl "
    "fails. In this case, the error backtrace provides detailed information on what specifically "
    "failed during the ioctl.",
    30: "Ioctl image get load info failure. Such error appears when the ioctl used for getting the "
    "memory load information fails. In this case, the error backtrace provides detailed "
    "information on what specifically failed during the ioctl.",
    31: "Ioctl set memory region failure. Such error appears when the ioctl used for setting a "
    "given memory region fails. In this case, the error backtrace provides detailed information "
    "on what specifically failed during the ioctl.",
    32: "Ioctl add vCPU failure. Such error appears when the ioctl used for adding a vCPU fails. "
    "In this case, the error backtrace provides detailed information on what specifically failed "
    "during the ioctl.",
    33: "Ioctl start enclave failure. Such error appears when the ioctl used for starting an "
    "enclave fails. In this case, the error backtrace provides details information on what "
    "specifically failed during the ioctl.",
    34: "Memory overflow. Such error may appear during loading the EIF in the memory regions which "
    "will be conceded to the future enclave, if the regions offset plus the EIF file size exceeds "
    "the maximum address of the target platform.",
    35: "EIF file parsing error. Such errors appear when attempting to fill a memory region with a "
    "section of the EIF file, but reading the entire section fails. This might indicate that the "
    "required hugepages are not available.",
    36: "Enclave boot failure. Such error appears when attempting to receive the `ready` signal "
    "from a freshly booted enclave. It arises in several contexts, for instance, when the enclave "
    "is booted from an invalid EIF file and the enclave process immediately exits, failing to "
    "submit the `ready` signal. In this case, the error backtrace provides detailed information "
    "on what specifically failed during the enclave boot process.",
    37: "Enclave event wait error. Such error appears when monitoring an enclave descriptor for "
    "events fails.",
    38: "Enclave process command not executed error. Such error appears when at least one enclave "
    "fails to provide the description information.",
    39: "Enclave process connection failure. Such error appears when the enclave manager fails to "
    "connect to at least one enclave process for retrieving the description information.",
    40: "Socket path not found. Such error appears when the Nitro CLI process fails to build the "
    "corresponding socket path starting from a given enclave ID.",
    41: "Enclave process send reply failure. Such error appears when the enclave process fails to "
    "submit the status code to the Nitro CLI process after performing a run / describe / "
    "terminate command.",
    42: "Enclave mmap error. Such error appears when allocating the enclave memory fails.",
    43: "Enclave munmap error. Such error appears when unmapping the enclave memory fails.",
    44: "Enclave console connection failure. Such error appears when the Nitro CLI process fails "
    "to establish a connection to a running enclave's console.",
    45: "Enclave console read error. Such error appears when reading from a running enclave's "
    "console fails.",
    46: "Enclave console write output error. Such error appears when writing the information "
    "retrieved from a running enclave's console (to a given stream) fails.",
    47: "Integer parsing error. Such error appears when trying to connect to a running enclave's "
    "console, but the enclave CID cannot be parsed correctly.",
    48: "EIF building error. Such error appears when trying to build an EIF file. In this case, "
    "the error backtrace provides detailed information on the failure reason.",
    49: "Docker image build error. Such error appears when trying to build and EIF file, but "
    "building the corresponding docker image fails. In this case, the error backtrace provides "
    "detailed information on the failure reason.",
    50: "Docker image pull error. Such error appears when trying to build an EIF file, but pulling "
    "the corresponding docker image fails. In this case, the error backtrace provides detailed "
    "informatino on the failure reason.",
    51: "Artifacts path environment variable not set. Such error appears when trying to build an "
    "EIF file, but the artifacts path environment variable is not set.",
    52: "Blobs path environment variable not set. Such error appears when trying to build an EIF "
    "file, but the blobs path environment variable is not set.",
    53: "Clock skew error. Such error appears when continuously reading from a running enclave's "
    "console, but measuring the time elapsed between consecutive reads failed.",
    54: "Signal masking error. Such error appears if attempting to mask specific signals before "
    "creating an enclave process fails.",
    55: "Signal unmasking error. Such error appears if attempting to unmask specific signals after "
    "creating an enclave process fails.",
    56: "Logger error. Such error appears when attempting to initialize the underlying logging "
    "system fails.",
    57: "Hasher error. Such error appears when trying to initialize a hasher or write bytes to it, "
    "resulting in a IO error.",
    58: "Naming error. Such error appears when trying to perform an enclave operation using the "
    "enclave name and the name is invalid.",
    59: "EIF signature checker error. Such error appears when validation of the signing "
    "certificate fails.",
    60: "EIF signing error. Such error appears when signing an EIF file fails, for instance when "
    "the private key or the signing certificate cannot be read or used.",
}

# Texts that take arguments but may be raised without them keep nitro-cli's placeholder.
_PLACEHOLDER = "MISSING_INFO"


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
    """

    def __init__(self, inner: NitroCliError) -> None:
        self.inner = inner
        lines = [inner.what] + ([inner.detail] if inner.detail else [])
        super().__init__(
            NitroCliCode.EnclaveProcessConnectionFailure, detail="\n".join(lines), fix=inner.fix
        )
