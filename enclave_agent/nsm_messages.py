"""NSM requests and responses exactly as the Nitro Secure Module speaks them.

The NSM API is a pair of Rust enums serialised by serde_cbor in its default *externally tagged*
form (aws/aws-nitro-enclaves-nsm-api:src/api/mod.rs): a variant without fields is a bare text
string (`"GetRandom"`), a variant with fields a one-entry map `{"Variant": {field: value}}` with
the fields in declaration order, `Error(code)` is `{"Error": "<CodeName>"}`, `None` is CBOR null.
cbor2 writes a Python dict in insertion order with shortest-form integers, which is exactly that
canonical form, so every message here is one dataclass plus a field schema; the same definitions
serve the client in the enclave and the simulated device in `core` (one encoder, not two).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import cbor2

NSM_REQUEST_MAX = 0x1000  # bytes of CBOR the driver accepts (NSM_REQUEST_MAX_SIZE)
NSM_RESPONSE_MAX = 0x3000  # bytes the driver can return (NSM_RESPONSE_MAX_SIZE)
MAX_PCRS = 32
PCR_LENGTH = 48  # SHA-384
ATTESTATION_FIELD_MAX = 1024  # user_data, nonce and public_key, each (nsm-check sends 1024)

# The ErrorCode enum in declaration order: the C ABI uses the ordinal, the wire the name.
ERROR_CODES: tuple[str, ...] = (
    "Success",
    "InvalidArgument",
    "InvalidIndex",
    "InvalidResponse",
    "ReadOnlyIndex",
    "InvalidOperation",
    "BufferTooSmall",
    "InputTooLarge",
    "InternalError",
)

_ERROR_MEANINGS = {
    "Success": "no error",
    "InvalidArgument": "the request is malformed or an argument is invalid",
    "InvalidIndex": "the PCR index or range is out of bounds (0-31)",
    "InvalidResponse": "the NSM's response does not match the request",
    "ReadOnlyIndex": "the PCR is locked, so it cannot be extended or locked again",
    "InvalidOperation": "the operation is not available (missing capability)",
    "BufferTooSmall": "the output buffer is too small",
    "InputTooLarge": "the input is too large (a request is at most 4096 bytes of CBOR and "
    "user_data, nonce and public_key at most 1024 bytes each)",
    "InternalError": "the NSM failed internally or its response could not be decoded",
}


class NsmError(Exception):
    """The NSM answered `{"Error": code}` (or the exchange failed in a way the real client maps
    to one of the NSM's error codes); `code` is the wire name, e.g. `"InvalidIndex"`."""

    def __init__(self, code: str, detail: str | None = None) -> None:
        meaning = _ERROR_MEANINGS.get(code, "unknown NSM error code")
        message = f"NSM error {code}: {meaning}"
        if detail:
            message = f"{message} ({detail})"
        super().__init__(message)
        self.code = code
        self.detail = detail

    @property
    def ordinal(self) -> int | None:
        """The code's number in the C ABI (nsm-lib), or None for a name the API does not know."""
        return ERROR_CODES.index(self.code) if self.code in ERROR_CODES else None


# Field kinds of the schema: how each field is written and checked.
U16, BOOL, BYTES, OPT_BYTES, TEXT, U16_LIST = "u16", "bool", "bytes", "opt_bytes", "text", "u16s"


@dataclass(frozen=True)
class Message:
    """Base of every request and response: `VARIANT` is the enum variant, `SCHEMA` its fields."""

    VARIANT: ClassVar[str]
    SCHEMA: ClassVar[tuple[tuple[str, str], ...]] = ()

    def to_cbor(self) -> bytes:
        """The canonical serde_cbor bytes of this message."""
        if not self.SCHEMA:
            return bytes(cbor2.dumps(self.VARIANT))
        body = {name: _wire_value(getattr(self, _attr(name))) for name, _ in self.SCHEMA}
        return bytes(cbor2.dumps({self.VARIANT: body}))


def _attr(wire_name: str) -> str:
    # `range` is the wire name of LockPCRs' field; the attribute avoids shadowing the builtin.
    return "range_" if wire_name == "range" else wire_name


def _wire_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# ---- requests ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DescribePCR(Message):
    VARIANT = "DescribePCR"
    SCHEMA = (("index", U16),)
    index: int


@dataclass(frozen=True)
class ExtendPCR(Message):
    VARIANT = "ExtendPCR"
    SCHEMA = (("index", U16), ("data", BYTES))
    index: int
    data: bytes


@dataclass(frozen=True)
class LockPCR(Message):
    VARIANT = "LockPCR"
    SCHEMA = (("index", U16),)
    index: int


@dataclass(frozen=True)
class LockPCRs(Message):
    VARIANT = "LockPCRs"
    SCHEMA = (("range", U16),)
    range_: int


@dataclass(frozen=True)
class DescribeNSM(Message):
    VARIANT = "DescribeNSM"


@dataclass(frozen=True)
class Attestation(Message):
    VARIANT = "Attestation"
    SCHEMA = (("user_data", OPT_BYTES), ("nonce", OPT_BYTES), ("public_key", OPT_BYTES))
    user_data: bytes | None = None
    nonce: bytes | None = None
    public_key: bytes | None = None


@dataclass(frozen=True)
class GetRandom(Message):
    VARIANT = "GetRandom"


Request = DescribePCR | ExtendPCR | LockPCR | LockPCRs | DescribeNSM | Attestation | GetRandom
REQUEST_TYPES: dict[str, type[Request]] = {
    cls.VARIANT: cls
    for cls in (DescribePCR, ExtendPCR, LockPCR, LockPCRs, DescribeNSM, Attestation, GetRandom)
}

# ---- responses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DescribePCRResponse(Message):
    VARIANT = "DescribePCR"
    SCHEMA = (("lock", BOOL), ("data", BYTES))
    lock: bool
    data: bytes


@dataclass(frozen=True)
class ExtendPCRResponse(Message):
    VARIANT = "ExtendPCR"
    SCHEMA = (("data", BYTES),)
    data: bytes


@dataclass(frozen=True)
class LockPCRResponse(Message):
    VARIANT = "LockPCR"


@dataclass(frozen=True)
class LockPCRsResponse(Message):
    VARIANT = "LockPCRs"


@dataclass(frozen=True)
class DescribeNSMResponse(Message):
    VARIANT = "DescribeNSM"
    SCHEMA = (
        ("version_major", U16),
        ("version_minor", U16),
        ("version_patch", U16),
        ("module_id", TEXT),
        ("max_pcrs", U16),
        ("locked_pcrs", U16_LIST),
        ("digest", TEXT),
    )
    version_major: int
    version_minor: int
    version_patch: int
    module_id: str
    max_pcrs: int
    locked_pcrs: tuple[int, ...]
    digest: str


@dataclass(frozen=True)
class AttestationResponse(Message):
    VARIANT = "Attestation"
    SCHEMA = (("document", BYTES),)
    document: bytes


@dataclass(frozen=True)
class GetRandomResponse(Message):
    VARIANT = "GetRandom"
    SCHEMA = (("random", BYTES),)
    random: bytes


@dataclass(frozen=True)
class ErrorResponse(Message):
    """`Error(ErrorCode)` is a newtype variant: `{"Error": "<name>"}`, not a struct."""

    VARIANT = "Error"
    code: str

    def to_cbor(self) -> bytes:
        return bytes(cbor2.dumps({"Error": self.code}))


Response = (
    DescribePCRResponse
    | ExtendPCRResponse
    | LockPCRResponse
    | LockPCRsResponse
    | DescribeNSMResponse
    | AttestationResponse
    | GetRandomResponse
    | ErrorResponse
)
RESPONSE_TYPES: dict[str, type[Response]] = {
    cls.VARIANT: cls
    for cls in (
        DescribePCRResponse,
        ExtendPCRResponse,
        LockPCRResponse,
        LockPCRsResponse,
        DescribeNSMResponse,
        AttestationResponse,
        GetRandomResponse,
    )
}

# ---- decoding ---------------------------------------------------------------------------------


class MessageFormatError(ValueError):
    """Bytes that are not a well-formed NSM message; `reason` says what is wrong."""


def _loads_exactly(data: bytes) -> Any:
    """One CBOR item and nothing after it (cbor2.loads would silently ignore trailing bytes)."""
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream).decode()
    except Exception as error:  # cbor2 raises several types on garbage; all mean "not CBOR"
        raise MessageFormatError(f"not valid CBOR: {error}") from None
    if stream.tell() != len(data):
        raise MessageFormatError(f"{len(data) - stream.tell()} trailing bytes after the message")
    return value


def _split_variant(value: Any) -> tuple[str, Any]:
    """(variant name, body) of an externally tagged enum value; body is None for a unit form."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict) and len(value) == 1:
        ((name, body),) = value.items()
        if isinstance(name, str):
            return name, body
    raise MessageFormatError("expected a variant name or a one-entry map {variant: fields}")


def _is_u16(value: Any) -> bool:
    return type(value) is int and 0 <= value <= 0xFFFF


_CHECKS: dict[str, Callable[[Any], bool]] = {
    U16: _is_u16,
    BOOL: lambda v: type(v) is bool,
    BYTES: lambda v: isinstance(v, bytes),
    OPT_BYTES: lambda v: v is None or isinstance(v, bytes),
    TEXT: lambda v: isinstance(v, str),
    U16_LIST: lambda v: isinstance(v, list) and all(_is_u16(i) for i in v),
}


def _check_field(name: str, kind: str, value: Any) -> Any:
    if not _CHECKS[kind](value):
        raise MessageFormatError(f"field {name!r} has the wrong type or range for {kind}")
    return tuple(value) if kind == U16_LIST else value


M = TypeVar("M", bound=Message)


def _build(cls: type[M], body: Any) -> M:
    """Fill `cls` from a decoded body the way serde does: missing Option fields are None, unknown
    keys are ignored, an empty map or null stands for a unit variant's missing body."""
    if not cls.SCHEMA:
        if body is None or body == {}:
            return cls()
        raise MessageFormatError(f"{cls.VARIANT} takes no fields")
    if not isinstance(body, dict):
        raise MessageFormatError(f"{cls.VARIANT} needs a map of fields")
    values: dict[str, Any] = {}
    for name, kind in cls.SCHEMA:
        if name not in body:
            if kind != OPT_BYTES:
                raise MessageFormatError(f"{cls.VARIANT} is missing the field {name!r}")
            values[_attr(name)] = None
            continue
        values[_attr(name)] = _check_field(name, kind, body[name])
    return cls(**values)


def decode_request(data: bytes) -> Request:
    """Parse a request, accepting the lenient forms the real NSM tolerates (`{"DescribeNSM":{}}`,
    an Attestation map with only some keys); raise `MessageFormatError` on anything else."""
    name, body = _split_variant(_loads_exactly(data))
    cls = REQUEST_TYPES.get(name)
    if cls is None:
        raise MessageFormatError(f"unknown request {name!r}")
    return _build(cls, body)


def decode_response(data: bytes) -> Response:
    """Parse a response; an `{"Error": name}` reply becomes an `ErrorResponse`."""
    name, body = _split_variant(_loads_exactly(data))
    if name == "Error":
        if not isinstance(body, str):
            raise MessageFormatError("Error needs an error-code name")
        return ErrorResponse(body)
    cls = RESPONSE_TYPES.get(name)
    if cls is None:
        raise MessageFormatError(f"unknown response {name!r}")
    return _build(cls, body)


def expect_response(data: bytes, expected: type[M]) -> M:
    """Decode `data` as `expected`; raise `NsmError` with the NSM's code on an Error reply and
    `InvalidResponse` / `InternalError` as the Rust client does on a mismatch or garbage."""
    try:
        response = decode_response(data)
    except MessageFormatError as error:
        raise NsmError("InternalError", f"undecodable response: {error}") from None
    if isinstance(response, ErrorResponse):
        raise NsmError(response.code)
    if not isinstance(response, expected):
        raise NsmError("InvalidResponse", f"expected {expected.VARIANT}, got {response.VARIANT}")
    return response
