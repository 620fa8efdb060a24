"""A small strict CBOR decoder for attestation documents.

cbor2 silently keeps the last of two equal map keys, so a document could say one thing to this
verifier and another to a different parser. This decoder rejects duplicate keys (comparing CBOR
values, so `1`, `1.0` and `true` stay distinct), reserved encodings, invalid UTF-8 and nesting
beyond a fixed depth, and reports every problem with its byte offset. Maps decode to `CborMap`
(a tuple of pairs) so that keys Python would merge (`1` and `True`) are never merged.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAX_DEPTH = 16
_BREAK = object()


class CborError(ValueError):
    """Malformed or non-strict CBOR, with the offset of the offending byte."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at byte offset {offset})")
        self.offset = offset


@dataclass(frozen=True)
class Tagged:
    """A CBOR tag (major type 6) and its content."""

    tag: int
    value: object


@dataclass(frozen=True)
class Simple:
    """A CBOR simple value other than false/true/null/undefined."""

    value: int


@dataclass(frozen=True)
class Undefined:
    """CBOR `undefined` (0xF7)."""


@dataclass(frozen=True)
class CborMap:
    """A decoded map as its (key, value) pairs in wire order, duplicates already rejected."""

    pairs: tuple[tuple[object, object], ...]


def value_key(value: object) -> object:
    """A hashable identity for a CBOR value; equal only for equal CBOR data items."""
    if isinstance(value, bool) or value is None:
        return ("s", value)
    if isinstance(value, int):
        return ("i", value)
    if isinstance(value, float):
        return ("f", struct.pack(">d", value))
    if isinstance(value, bytes):
        return ("b", value)
    if isinstance(value, str):
        return ("t", value)
    if isinstance(value, list):
        return ("a", tuple(value_key(item) for item in value))
    if isinstance(value, CborMap):
        return ("m", tuple((value_key(k), value_key(v)) for k, v in value.pairs))
    if isinstance(value, Tagged):
        return ("g", value.tag, value_key(value.value))
    return ("x", value)  # Simple and Undefined are frozen dataclasses: hashable as they are


class _Decoder:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)
        self.pos = 0

    def truncated(self, needed: int, at: int) -> CborError:
        return CborError(f"truncated: {needed} bytes needed, {self.size - at} left", at)

    def take(self, count: int) -> bytes:
        end = self.pos + count
        if end > self.size:
            raise self.truncated(count, self.pos)
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def head(self) -> tuple[int, int | None]:
        """Major type and argument (None for indefinite length) of the next item."""
        start = self.pos
        major, info, arg = self.data[start] >> 5, self.data[start] & 0x1F, None
        self.pos = start + 1
        if info < 24:
            arg = info
        elif info <= 27:
            arg = int.from_bytes(self.take(1 << (info - 24)), "big")
        elif info != 31:
            raise CborError(f"reserved additional information {info}", start)
        return major, arg

    def item(self, depth: int) -> object:
        """The next data item (or _BREAK); written flat because it runs for every item."""
        if depth > MAX_DEPTH:
            raise CborError(f"nesting deeper than {MAX_DEPTH} levels", self.pos)
        data, start = self.data, self.pos
        if start >= self.size:
            raise self.truncated(1, start)
        major, info = data[start] >> 5, data[start] & 0x1F
        pos = start + 1
        if info < 24:
            arg = info
        elif info <= 27:
            end = pos + (1 << (info - 24))
            if end > self.size:
                raise self.truncated(end - pos, pos)
            arg, pos = int.from_bytes(data[pos:end], "big"), end
        elif info == 31:
            self.pos = pos
            return _BREAK if major == 7 else self.indefinite(major, depth, start)
        else:
            raise CborError(f"reserved additional information {info}", start)
        if major == 2 or major == 3:
            end = pos + arg
            if end > self.size:
                raise self.truncated(arg, pos)
            self.pos = end
            return data[pos:end] if major == 2 else self.text(data[pos:end], start)
        self.pos = pos
        if major == 0:
            return arg
        if major == 5:
            return self.map_pairs(depth, start, arg)
        if major == 4:
            return [self.value(depth + 1) for _ in range(arg)]
        if major == 1:
            return -1 - arg
        if major == 6:
            return Tagged(arg, self.value(depth + 1))
        return self.simple(info, arg, start)

    def value(self, depth: int) -> object:
        start = self.pos
        result = self.item(depth)
        if result is _BREAK:
            raise CborError("unexpected break byte 0xFF", start)
        return result

    def text(self, raw: bytes, start: int) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CborError(f"text string is not valid UTF-8 ({error.reason})", start) from None

    def simple(self, info: int, arg: int, start: int) -> object:
        if info == 25:
            return float(struct.unpack(">e", arg.to_bytes(2, "big"))[0])
        if info == 26:
            return float(struct.unpack(">f", arg.to_bytes(4, "big"))[0])
        if info == 27:
            return float(struct.unpack(">d", arg.to_bytes(8, "big"))[0])
        if info == 24 and arg < 32:
            raise CborError(f"simple value {arg} in two-byte form", start)
        constants: dict[int, object] = {20: False, 21: True, 22: None, 23: Undefined()}
        return constants.get(arg, Simple(arg))

    def indefinite(self, major: int, depth: int, start: int) -> object:
        if major in (2, 3):
            chunks: list[bytes] = []
            while (chunk_start := self.pos) < len(self.data) and self.data[self.pos] != 0xFF:
                chunk_major, length = self.head()
                if chunk_major != major or length is None:
                    raise CborError("bad chunk inside an indefinite-length string", chunk_start)
                chunks.append(self.take(length))
            self.take(1)
            joined = b"".join(chunks)
            return joined if major == 2 else self.text(joined, start)
        if major == 4:
            items: list[object] = []
            while (element := self.item(depth + 1)) is not _BREAK:
                items.append(element)
            return items
        if major == 5:
            return self.map_pairs(depth, start, None)
        raise CborError(f"major type {major} cannot have indefinite length", start)

    def map_pairs(self, depth: int, start: int, count: int | None) -> CborMap:
        pairs: list[tuple[object, object]] = []
        seen: set[object] = set()
        while count is None or len(pairs) < count:
            key_start = self.pos
            key = self.item(depth + 1)
            if key is _BREAK:
                if count is None:
                    break
                raise CborError("unexpected break byte 0xFF", key_start)
            identity = ("t", key) if type(key) is str else value_key(key)
            if identity in seen:
                raise CborError(f"duplicate map key {key!r} in the map at {start}", key_start)
            seen.add(identity)
            pairs.append((key, self.value(depth + 1)))
        return CborMap(tuple(pairs))


def decode_prefix(data: bytes) -> tuple[object, int]:
    """Decode the first data item of `data`; return it and the offset just after it."""
    decoder = _Decoder(data)
    return decoder.value(0), decoder.pos


def decode_strict(data: bytes) -> object:
    """Decode exactly one data item; trailing bytes are an error."""
    value, end = decode_prefix(data)
    if end != len(data):
        raise CborError(f"{len(data) - end} trailing bytes after the CBOR item", end)
    return value


def encode_head(major: int, argument: int) -> bytes:
    """The shortest head for a major type and argument (used to build the Sig_structure)."""
    if argument < 24:
        return bytes([(major << 5) | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([(major << 5) | info]) + argument.to_bytes(size, "big")
    raise ValueError("CBOR argument too large")
