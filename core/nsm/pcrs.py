"""PCR arithmetic and the NSM's bank of 32 PCRs with their lock bits.

Facts (docs/attestation.md §5): every PCR is a SHA-384 value; extend is
PCR = SHA-384(PCR ‖ data); PCRs 0–15 are locked at boot, 16–31 extendable until locked. PCR3 and
PCR4 are SHA-384(48×00 ‖ ASCII string) with no inner hash, unlike the EIF PCRs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from enclave_agent.nsm_messages import MAX_PCRS, PCR_LENGTH

ZERO_PCR = bytes(PCR_LENGTH)
BOOT_LOCKED = range(16)  # PCRs the hypervisor measures and locks before the enclave runs


def extend(old: bytes, data: bytes) -> bytes:
    """The NSM's extend rule: SHA-384(old ‖ data)."""
    return hashlib.sha384(old + data).digest()


def pcr_from_string(text: str | None) -> bytes:
    """PCR3 (parent role ARN) or PCR4 (parent instance id): SHA-384(48×00 ‖ text); all zeros
    when there is nothing to measure (no IAM role)."""
    if not text:
        return ZERO_PCR
    return extend(ZERO_PCR, text.encode("ascii"))


class ReadOnlyPcr(Exception):
    """The PCR is locked."""


class PcrBank:
    """32 PCR values and lock bits. Not thread-safe by itself: the device serialises access."""

    def __init__(self, boot_values: dict[int, bytes]) -> None:
        for index, value in boot_values.items():
            if not 0 <= index < MAX_PCRS or len(value) != PCR_LENGTH:
                raise ValueError(f"PCR{index} needs an index < 32 and {PCR_LENGTH} bytes")
        self._values = [boot_values.get(i, ZERO_PCR) for i in range(MAX_PCRS)]
        self._locked = set(BOOT_LOCKED)

    def value(self, index: int) -> bytes:
        return self._values[index]

    def is_locked(self, index: int) -> bool:
        return index in self._locked

    def extend(self, index: int, data: bytes) -> bytes:
        if index in self._locked:
            raise ReadOnlyPcr(index)
        self._values[index] = extend(self._values[index], data)
        return self._values[index]

    def lock(self, index: int) -> None:
        if index in self._locked:
            raise ReadOnlyPcr(index)
        self._locked.add(index)

    def lock_all(self, indices: Iterable[int]) -> None:
        """LockPCRs: locking an already-locked PCR in the range is not an error."""
        self._locked.update(indices)

    def locked(self) -> list[int]:
        return sorted(self._locked)

    def locked_values(self) -> dict[int, bytes]:
        """What an attestation document's `pcrs` map holds: every locked PCR, in index order."""
        return {i: self._values[i] for i in self.locked()}
