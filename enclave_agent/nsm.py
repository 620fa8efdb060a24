"""The NSM client: one interface over the real `/dev/nsm` and the simulator's NSM socket.

Inside a real enclave the Nitro Secure Module is reached through one ioctl on `/dev/nsm`
(torvalds/linux:include/uapi/linux/nsm.h); under nitrodeck's simulator the same CBOR bytes travel
over a Unix socket named by `NITRODECK_NSM_SOCKET`. Everything above the device (`NsmClient`)
is identical, so code tested on the simulator runs unchanged on Nitro.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import socket
import struct
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from enclave_agent.closing import Closing
from enclave_agent.nsm_messages import (
    ATTESTATION_FIELD_MAX,
    ERROR_CODES,
    MAX_PCRS,
    NSM_REQUEST_MAX,
    NSM_RESPONSE_MAX,
    PCR_LENGTH,
    Attestation,
    AttestationResponse,
    DescribeNSM,
    DescribeNSMResponse,
    DescribePCR,
    DescribePCRResponse,
    ExtendPCR,
    ExtendPCRResponse,
    GetRandom,
    GetRandomResponse,
    LockPCR,
    LockPCRResponse,
    LockPCRs,
    LockPCRsResponse,
    M,
    Message,
    NsmError,
    decode_request,
    decode_response,
    expect_response,
)

__all__ = [
    "ATTESTATION_FIELD_MAX",
    "DEV_NSM",
    "ERROR_CODES",
    "MAX_PCRS",
    "NSM_IOCTL_RAW",
    "NSM_REQUEST_MAX",
    "NSM_RESPONSE_MAX",
    "NSM_SOCKET_ENV",
    "PCR_LENGTH",
    "DescribeNSMResponse",
    "DescribePCRResponse",
    "DevNsm",
    "NsmClient",
    "NsmDevice",
    "NsmError",
    "NsmUnavailableError",
    "SimNsmDevice",
    "decode_request",
    "decode_response",
    "pack_nsm_raw",
    "unpack_response_length",
]

DEV_NSM = Path("/dev/nsm")
NSM_SOCKET_ENV = "NITRODECK_NSM_SOCKET"
# _IOWR(0x0A, 0, struct nsm_raw): dir 3 (read|write), size 32, type 0x0A, nr 0.
NSM_IOCTL_RAW = 0xC0200A00
_NSM_RAW = struct.Struct("<QQQQ")  # request addr, request len, response addr, response len
_FRAME = struct.Struct(">I")  # the simulator socket's length prefix

IoctlFn = Callable[[int, int, bytearray], object]


class NsmUnavailableError(RuntimeError):
    """Neither a real NSM nor the simulator's NSM socket can be reached."""


class NsmDevice(Protocol):
    """Something that carries one CBOR request to an NSM and returns its raw CBOR response."""

    def transact(self, request: bytes) -> bytes: ...

    def close(self) -> None: ...


def pack_nsm_raw(
    request_addr: int, request_len: int, response_addr: int, capacity: int
) -> bytearray:
    """The 32-byte `struct nsm_raw`: two `nsm_iovec {u64 addr; u64 len}`, little-endian."""
    return bytearray(_NSM_RAW.pack(request_addr, request_len, response_addr, capacity))


def unpack_response_length(raw: bytes | bytearray, capacity: int) -> int:
    """The response length the driver wrote back into `response.len` (it truncates silently, so
    never more than the capacity we offered)."""
    length = _NSM_RAW.unpack(bytes(raw))[3]
    return min(int(length), capacity)


class DevNsm:
    """The real `/dev/nsm`: each request is one `NSM_IOCTL_RAW` over ctypes buffers.

    `ioctl` and `opener` are injectable so the buffer handling is testable without Nitro.
    """

    def __init__(
        self,
        path: Path = DEV_NSM,
        *,
        ioctl: IoctlFn = fcntl.ioctl,
        opener: Callable[[Path], int] | None = None,
    ) -> None:
        self._path = path
        self._ioctl = ioctl
        try:
            self._fd = opener(path) if opener else os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except OSError as error:
            raise NsmUnavailableError(
                f"cannot open {path}: {error.strerror}; the NSM driver needs read-write access "
                "(the upstream driver creates it with mode 0666)"
            ) from None
        self._lock = threading.Lock()

    def transact(self, request: bytes) -> bytes:
        if len(request) > NSM_REQUEST_MAX:
            raise NsmError("InputTooLarge", f"request of {len(request)} bytes > {NSM_REQUEST_MAX}")
        request_buf = ctypes.create_string_buffer(request, max(len(request), 1))
        response_buf = ctypes.create_string_buffer(NSM_RESPONSE_MAX)
        raw = pack_nsm_raw(
            ctypes.addressof(request_buf),
            len(request),
            ctypes.addressof(response_buf),
            NSM_RESPONSE_MAX,
        )
        with self._lock:
            try:
                self._ioctl(self._fd, NSM_IOCTL_RAW, raw)
            except OSError as error:
                # The Rust driver client's mapping: EMSGSIZE -> InputTooLarge, else InternalError.
                code = "InputTooLarge" if error.errno == errno.EMSGSIZE else "InternalError"
                raise NsmError(code, f"ioctl on {self._path}: {error.strerror}") from None
        length = unpack_response_length(raw, NSM_RESPONSE_MAX)
        return response_buf.raw[:length]

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class SimNsmDevice:
    """The simulator's NSM: frames are a u32 big-endian length and the exact CBOR bytes, both
    ways, over one Unix-socket connection (the simulator applies the driver's limits). After a
    failed exchange the connection is dropped and the next request opens a fresh one, so a
    half-read reply can never be mistaken for the answer to a later request."""

    def __init__(self, socket_path: Path | str) -> None:
        self._path = Path(socket_path)
        self._lock = threading.Lock()
        self._sock: socket.socket | None = self._connect()

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(self._path))
        except OSError as error:
            sock.close()
            raise NsmUnavailableError(
                f"cannot connect to the simulated NSM at {self._path}: {error.strerror}; "
                "is the simulated enclave still running?"
            ) from None
        return sock

    def transact(self, request: bytes) -> bytes:
        with self._lock:
            if self._sock is None:
                try:
                    self._sock = self._connect()
                except NsmUnavailableError as error:
                    raise NsmError("InternalError", str(error)) from None
            try:
                return self._exchange(self._sock, request)
            except (OSError, NsmError) as error:
                self._sock.close()
                self._sock = None
                if isinstance(error, NsmError):
                    raise
                raise NsmError("InternalError", f"simulated NSM at {self._path}: {error}") from None

    @staticmethod
    def _exchange(sock: socket.socket, request: bytes) -> bytes:
        sock.sendall(_FRAME.pack(len(request)) + request)
        (length,) = _FRAME.unpack(_recv_exact(sock, _FRAME.size))
        if length > NSM_RESPONSE_MAX:
            raise NsmError("InternalError", f"the simulator sent a {length}-byte response")
        return _recv_exact(sock, length)

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None


def _recv_exact(sock: socket.socket, count: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < count:
        chunk = sock.recv(count - len(chunks))
        if not chunk:
            raise ConnectionError("the NSM socket closed mid-message")
        chunks += chunk
    return bytes(chunks)


class NsmClient(Closing):
    """Typed NSM operations; raises `NsmError(code)` whenever the NSM answers with an Error."""

    def __init__(self, device: NsmDevice) -> None:
        self.device = device

    @classmethod
    def open(
        cls, *, dev_path: Path = DEV_NSM, environ: Mapping[str, str] | None = None
    ) -> NsmClient:
        """`/dev/nsm` when it exists (a real enclave), else the simulator's socket from
        `$NITRODECK_NSM_SOCKET`, else a clear error naming both."""
        env = os.environ if environ is None else environ
        if dev_path.exists():
            return cls(DevNsm(dev_path))
        socket_path = env.get(NSM_SOCKET_ENV)
        if socket_path:
            return cls(SimNsmDevice(socket_path))
        raise NsmUnavailableError(
            f"no NSM: {dev_path} does not exist (not inside a Nitro enclave) and "
            f"${NSM_SOCKET_ENV} is not set (not under the nitrodeck simulator); run this inside "
            "an enclave, or launch it with `nitrodeck run-enclave` on the simulator"
        )

    def close(self) -> None:
        self.device.close()

    def raw(self, request: bytes) -> bytes:
        """Send CBOR bytes as they are and return the NSM's CBOR reply (Error replies included)."""
        return self.device.transact(request)

    def _call(self, request: Message, expected: type[M]) -> M:
        return expect_response(self.raw(request.to_cbor()), expected)

    def describe_pcr(self, index: int) -> DescribePCRResponse:
        """The PCR's value and whether it is locked."""
        return self._call(DescribePCR(index), DescribePCRResponse)

    def extend_pcr(self, index: int, data: bytes) -> bytes:
        """Extend PCR `index` with `data`; returns the new value SHA-384(old ‖ data)."""
        return self._call(ExtendPCR(index, bytes(data)), ExtendPCRResponse).data

    def lock_pcr(self, index: int) -> None:
        self._call(LockPCR(index), LockPCRResponse)

    def lock_pcrs(self, range: int) -> None:  # noqa: A002 - the NSM API's own name
        """Lock PCRs [0, range)."""
        self._call(LockPCRs(range), LockPCRsResponse)

    def describe_nsm(self) -> DescribeNSMResponse:
        return self._call(DescribeNSM(), DescribeNSMResponse)

    def attestation(
        self,
        user_data: bytes | None = None,
        nonce: bytes | None = None,
        public_key: bytes | None = None,
    ) -> bytes:
        """A signed attestation document (COSE_Sign1 bytes) binding the three optional fields."""
        request = Attestation(_opt_bytes(user_data), _opt_bytes(nonce), _opt_bytes(public_key))
        return self._call(request, AttestationResponse).document

    def get_random(self) -> bytes:
        """Random bytes from the NSM's entropy source (up to 256 per call)."""
        return self._call(GetRandom(), GetRandomResponse).random


def _opt_bytes(value: bytes | None) -> bytes | None:
    return None if value is None else bytes(value)
