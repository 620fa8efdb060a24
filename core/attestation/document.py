"""Parse a Nitro attestation document (COSE_Sign1) into typed fields, keeping the signed bytes.

Parsing is strict about form (one CBOR item, no trailing bytes, no duplicate keys, the right types)
so that a document means one thing only; AWS's numeric limits (docs/attestation.md §8) are reported
by the `structure` check instead, so a verifier can still say what else is wrong with such a
document. The protected header and payload are kept exactly as received: the signature covers those
bytes, and re-encoding a decoded payload could change them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from core.attestation.cbor import CborError, CborMap, Tagged, decode_prefix, decode_strict
from core.attestation.errors import AttestationError
from core.attestation.fastcbor import exact_loads, exact_map, small_int

COSE_SIGN1_TAG = 18
PAYLOAD_KEYS = (
    "module_id",
    "digest",
    "timestamp",
    "pcrs",
    "certificate",
    "cabundle",
    "public_key",
    "user_data",
    "nonce",
)
PAYLOAD_KEY_SET = frozenset(PAYLOAD_KEYS)
OPTIONAL_FIELD_MAX = 1024
CERTIFICATE_MAX = 1024
PAYLOAD_MAX = 16384
PCR_LENGTHS = (32, 48, 64)
MAX_PCRS = 32
T = TypeVar("T")
_FAST_TYPES = (bytes, dict, bytes, bytes)
FIX_INPUT = "pass the attestation document exactly as the NSM returned it (raw, base64 or hex)"


@dataclass(frozen=True)
class AttestationDocument:
    """A parsed attestation document; `protected` and `payload` are the received bytes."""

    module_id: str
    digest: str
    timestamp_ms: int
    pcrs: dict[int, bytes]
    certificate: bytes
    cabundle: list[bytes]
    public_key: bytes | None
    user_data: bytes | None
    nonce: bytes | None
    protected: bytes
    payload: bytes
    signature: bytes
    tagged: bool
    algorithm: int | str | None = None
    indefinite_payload: bool = False
    unknown_keys: tuple[str, ...] = field(default=())


def _fail(what: str, where: str) -> AttestationError:
    return AttestationError(what, where=where, fix=FIX_INPUT)


def _envelope(data: bytes) -> tuple[bytes, bytes, bytes, bool]:
    """(protected, payload, signature, tagged) of a COSE_Sign1 that is the whole input."""
    try:
        value, end = decode_prefix(data)
    except CborError as error:
        raise _fail(f"not a CBOR COSE_Sign1 structure: {error}", "document") from None
    if end != len(data):
        raise _fail(
            f"{len(data) - end} trailing bytes after the COSE_Sign1 structure "
            f"(it ends at byte offset {end} of {len(data)})",
            "document",
        )
    tagged = isinstance(value, Tagged)
    if isinstance(value, Tagged):
        if value.tag != COSE_SIGN1_TAG:
            raise _fail(f"CBOR tag {value.tag} is not COSE_Sign1 (tag 18)", "document")
        value = value.value
    if not isinstance(value, list) or len(value) != 4:
        shape = f"an array of {len(value)}" if isinstance(value, list) else type(value).__name__
        raise _fail(f"COSE_Sign1 must be an array of 4 items, found {shape}", "document")
    kinds = (bytes, CborMap, bytes, bytes)
    names = ("protected header", "unprotected header", "payload", "signature")
    for index, (item, kind, name) in enumerate(zip(value, kinds, names, strict=True)):
        if not isinstance(item, kind):
            expected = "a map" if kind is CborMap else "a byte string"
            raise _fail(f"the {name} must be {expected}", f"COSE_Sign1[{index}]")
    protected, _unprotected, payload, signature = value
    assert isinstance(protected, bytes) and isinstance(payload, bytes)
    assert isinstance(signature, bytes)
    return protected, payload, signature, tagged


def _algorithm(protected: bytes) -> int | str | None:
    if not protected:
        return None
    try:
        header = decode_strict(protected)
    except CborError as error:
        raise _fail(f"protected header is not valid CBOR: {error}", "COSE_Sign1[0]") from None
    if not isinstance(header, CborMap):
        raise _fail("protected header must encode a map", "COSE_Sign1[0]")
    for key, value in header.pairs:
        if key == 1 and not isinstance(key, bool):
            return value if isinstance(value, int | str) and not isinstance(value, bool) else None
    return None


def _bytes_or_none(fields: dict[str, object], key: str) -> bytes | None:
    value = fields.get(key)
    if value is None or isinstance(value, bytes):
        return value
    raise _fail(f"'{key}' must be a byte string or null, found {_kind(value)}", f"payload.{key}")


def _kind(value: object) -> str:
    names = {CborMap: "a map", list: "an array", bytes: "a byte string", str: "a text string"}
    if isinstance(value, bool) or value is None:
        return repr(value).lower().replace("none", "null")
    if isinstance(value, int):
        return "an integer"
    return names.get(type(value), type(value).__name__)


def _required(fields: dict[str, object], key: str, kind: type[T], label: str) -> T:
    if key not in fields:
        raise _fail(f"the payload has no '{key}' key; every attestation document has it", "payload")
    value = fields[key]
    if isinstance(value, kind) and not isinstance(value, bool):
        return value
    raise _fail(f"'{key}' must be {label}, found {_kind(value)}", f"payload.{key}")


def _pcrs(value: object) -> dict[int, bytes]:
    """PCR index → digest from a strict `CborMap` or (fast path) a cbor2 dict."""
    if isinstance(value, dict):
        pairs: Iterable[tuple[object, object]] = value.items()
    elif isinstance(value, CborMap):
        pairs = value.pairs
    else:
        raise _fail(
            f"'pcrs' must be a map of PCR index to digest, found {_kind(value)}", "payload.pcrs"
        )
    pcrs: dict[int, bytes] = {}
    for key, digest in pairs:
        if type(key) is not int or not small_int(key):  # not bool, not a bignum tag
            raise _fail(f"PCR index must be an integer, found {_kind(key)}", "payload.pcrs")
        if type(digest) is not bytes:
            raise _fail(f"PCR{key} must be a byte string, found {_kind(digest)}", "payload.pcrs")
        pcrs[key] = digest
    return pcrs


def _timestamp(fields: dict[str, object]) -> int:
    value = _required(fields, "timestamp", int, "an unsigned integer")
    if not small_int(value):  # only the cbor2 fast path can see a bignum here
        raise _fail("'timestamp' must be an unsigned integer, found a bignum", "payload.timestamp")
    return value


def _cabundle(value: list[object]) -> list[bytes]:
    for index, item in enumerate(value):
        if not isinstance(item, bytes):
            raise _fail(f"must be a byte string, found {_kind(item)}", f"payload.cabundle[{index}]")
    return [item for item in value if isinstance(item, bytes)]


def _payload_fields(payload: bytes) -> dict[str, object]:
    try:
        decoded = decode_strict(payload)
    except CborError as error:
        raise _fail(f"payload is not valid strict CBOR: {error}", "payload") from None
    if not isinstance(decoded, CborMap):
        raise _fail(f"payload must be a map, found {_kind(decoded)}", "payload")
    fields: dict[str, object] = {}
    for key, value in decoded.pairs:
        if not isinstance(key, str):
            raise _fail(f"payload keys must be text strings, found {_kind(key)}", "payload")
        fields[key] = value
    return fields


def _fast_parse(data: bytes) -> AttestationDocument | None:
    """The document via `fastcbor` (C speed), or None to let the strict decoder decide."""
    outer = exact_loads(data)
    if type(outer) is not list or len(outer) != 4:
        return None
    protected, unprotected, payload, signature = outer
    if (type(protected), type(unprotected), type(payload), type(signature)) != _FAST_TYPES:
        return None
    header = exact_loads(protected) if protected else {}
    fields = exact_map(payload)
    if type(header) is not dict or fields is None or not fields.keys() <= PAYLOAD_KEY_SET:
        return None
    algorithm = None
    for key, value in header.items():
        if type(key) is int and key == 1 and (type(value) is str or small_int(value)):
            algorithm = value
    try:
        return _document(fields, protected, payload, signature, False, algorithm)
    except AttestationError:
        return None


def parse_document(data: bytes) -> AttestationDocument:
    """Parse raw COSE_Sign1 bytes (tagged or not); raise `AttestationError` on malformed input."""
    data = bytes(data)
    fast = _fast_parse(data)
    if fast is not None:
        return fast
    protected, payload, signature, tagged = _envelope(data)
    algorithm = _algorithm(protected)
    fields = _payload_fields(payload)
    return _document(fields, protected, payload, signature, tagged, algorithm)


def _document(
    fields: dict[str, object],
    protected: bytes,
    payload: bytes,
    signature: bytes,
    tagged: bool,
    algorithm: int | str | None,
) -> AttestationDocument:
    return AttestationDocument(
        module_id=_required(fields, "module_id", str, "a text string"),
        digest=_required(fields, "digest", str, "a text string"),
        timestamp_ms=_timestamp(fields),
        pcrs=_pcrs(_required(fields, "pcrs", object, "a map of PCR index to digest")),
        certificate=_required(fields, "certificate", bytes, "a byte string"),
        cabundle=_cabundle(_required(fields, "cabundle", list, "an array of certificates")),
        public_key=_bytes_or_none(fields, "public_key"),
        user_data=_bytes_or_none(fields, "user_data"),
        nonce=_bytes_or_none(fields, "nonce"),
        protected=protected,
        payload=payload,
        signature=signature,
        tagged=tagged,
        algorithm=algorithm,
        indefinite_payload=payload[:1] == b"\xbf",
        unknown_keys=tuple(key for key in fields if key not in PAYLOAD_KEYS),
    )


def limit_violations(doc: AttestationDocument) -> list[str]:
    """Every way `doc` breaks AWS's field rules (empty when it keeps them all)."""
    problems: list[str] = []
    if not doc.module_id:
        problems.append("module_id is empty")
    if doc.digest != "SHA384":
        problems.append(f"digest is {doc.digest!r}, not 'SHA384'")
    if doc.timestamp_ms <= 0:
        problems.append(f"timestamp is {doc.timestamp_ms}, not a positive millisecond count")
    if not 1 <= len(doc.pcrs) <= MAX_PCRS:
        problems.append(f"pcrs has {len(doc.pcrs)} entries, outside 1..{MAX_PCRS}")
    for index, value in sorted(doc.pcrs.items()):
        if not 0 <= index < MAX_PCRS:
            problems.append(f"PCR index {index} is outside 0..{MAX_PCRS - 1}")
        if len(value) not in PCR_LENGTHS:
            problems.append(f"PCR{index} is {len(value)} bytes, not 32, 48 or 64")
    if not doc.cabundle:
        problems.append("cabundle is empty")
    sizes: list[tuple[str, bytes | None, int, int]] = [
        ("payload", doc.payload, 1, PAYLOAD_MAX),
        ("certificate", doc.certificate, 1, CERTIFICATE_MAX),
        *((f"cabundle[{i}]", cert, 1, CERTIFICATE_MAX) for i, cert in enumerate(doc.cabundle)),
        ("public_key", doc.public_key, 1, OPTIONAL_FIELD_MAX),
        ("user_data", doc.user_data, 0, OPTIONAL_FIELD_MAX),
        ("nonce", doc.nonce, 0, OPTIONAL_FIELD_MAX),
    ]
    for label, blob, low, high in sizes:
        if blob is not None and not low <= len(blob) <= high:
            problems.append(f"{label} is {len(blob)} bytes, outside {low}..{high}")
    return problems
