"""CRC-32 (zlib's) of a file from CRCs of its pieces computed separately, on any thread.

`combine(crc_a, crc_b, len_b)` is the CRC of A‖B (zlib's `crc32_combine`, which Python's zlib
does not expose): shift A's CRC over len_b zero bytes with GF(2) matrix operators, then XOR B's.
The operator for 2**k zero bytes is the previous one squared; they are made once, on first use,
so a combine costs one 32-step product per set bit of the length (one for a 1 MiB chunk).
"""

from __future__ import annotations

import threading

_POLYNOMIAL = 0xEDB88320  # CRC-32, reflected
_operators: list[list[int]] = []  # _operators[k]: append 2**k zero bytes
_lock = threading.Lock()


def _times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _square(matrix: list[int]) -> list[int]:
    return [_times(matrix, matrix[n]) for n in range(32)]


def _operator(k: int) -> list[int]:
    with _lock:
        if not _operators:
            one_bit = [_POLYNOMIAL] + [1 << n for n in range(31)]
            _operators.append(_square(_square(_square(one_bit))))  # 8 zero bits: one byte
        while len(_operators) <= k:
            _operators.append(_square(_operators[-1]))
        return _operators[k]


def combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """The CRC-32 of A‖B from crc32(A), crc32(B) and len(B)."""
    k = 0
    while length_b:
        if length_b & 1:
            crc_a = _times(_operator(k), crc_a)
        length_b >>= 1
        k += 1
    return crc_a ^ crc_b


def join(pieces: list[tuple[int, int, int]]) -> int:
    """The CRC-32 of pieces given as (order, crc32 of the piece alone, length), any order."""
    total = 0
    for _, crc, length in sorted(pieces):
        total = combine(total, crc, length)
    return total
