"""PCR measurements: `PCR = SHA384(48 zero bytes || SHA384(content))` (docs/eif.md §3).

Images can be gigabytes, so everything streams in fixed chunks. PCR0 and PCR1 share the prefix
kernel‖cmdline‖first ramdisk, which is hashed once and copied at the split point. PCR2 needs
the later ramdisks a second time; that hash runs on a worker thread over the same chunks, so
wall time stays close to one SHA-384 pass (hashlib and zlib release the GIL on large buffers).
The CRC, when asked for, is computed per chunk and joined at the end (`core.eif.crc`), so each
chunk's CRC can run on whichever thread has less to do (see MAIN_CRC_EVERY).
"""

from __future__ import annotations

import hashlib
import queue
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from core.eif.crc import join
from core.eif.errors import EifError, EifFileError
from core.eif.format import SectionType

CHUNK = 1 << 20
HASH_ALGORITHM = "Sha384 { ... }"
_ZERO_REGISTER = bytes(48)
# While both threads hash, the reading thread also copies every chunk from the page cache, so
# it takes the CRC of only one chunk in MAIN_CRC_EVERY (measured: per-thread CPU then within
# 3 % of one plain SHA-384 pass each; an even split left the reading thread 8 % behind).
MAIN_CRC_EVERY = 6


def extend(digest: bytes) -> str:
    """Extend a zeroed SHA-384 register once with `digest`; hex of the result."""
    return hashlib.sha384(_ZERO_REGISTER + digest).hexdigest()


def pcr_of_bytes(data: bytes) -> str:
    """The PCR nitro-cli's `pcr --input` reports for a file holding `data`."""
    return extend(hashlib.sha384(data).digest())


def pcr_of_file(path: Path) -> str:
    """`nitro-cli pcr --input PATH`, streamed in 1 MiB chunks."""
    inner = hashlib.sha384()
    try:
        with open(path, "rb") as stream:
            while chunk := stream.read(CHUNK):
                inner.update(chunk)
    except OSError as error:
        raise EifFileError(
            f"cannot read the input file: {error.strerror}",
            path=path,
            fix="check --input: the file must exist and be readable",
        ) from error
    return extend(inner.digest())


def certificate_der(pem: bytes, *, source: object = None) -> bytes:
    """DER of a PEM certificate; an `EifError` if it is not one."""
    from cryptography import x509  # here: measuring an unsigned image needs no X.509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        return x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
    except ValueError as error:
        raise EifError(
            f"not a PEM X.509 certificate ({error})",
            path=source,
            fix="pass the signing certificate as PEM (-----BEGIN CERTIFICATE-----)",
        ) from error


def pcr8_of_certificate(pem: bytes, *, source: object = None) -> str:
    """PCR8: the measurement of the signing certificate's DER encoding."""
    return pcr_of_bytes(certificate_der(pem, source=source))


@dataclass(frozen=True)
class Measurements:
    """PCR0/1/2 (and PCR8 when signed) as lowercase hex."""

    pcr0: str
    pcr1: str
    pcr2: str
    pcr8: str | None = None

    def to_json(self) -> dict[str, str]:
        """nitro-cli's `Measurements` map: HashAlgorithm first, then the PCRs in order."""
        shape = {
            "HashAlgorithm": HASH_ALGORITHM,
            "PCR0": self.pcr0,
            "PCR1": self.pcr1,
            "PCR2": self.pcr2,
        }
        if self.pcr8 is not None:
            shape["PCR8"] = self.pcr8
        return shape

    def moved(self, other: Measurements) -> list[str]:
        """Names of the PCRs whose values differ from `other`'s."""
        pairs = {
            "PCR0": (self.pcr0, other.pcr0),
            "PCR1": (self.pcr1, other.pcr1),
            "PCR2": (self.pcr2, other.pcr2),
            "PCR8": (self.pcr8, other.pcr8),
        }
        return [name for name, (mine, theirs) in pairs.items() if mine != theirs]


_Updates = tuple[Callable[[Any], Any], ...]


class _Lane:
    """One worker thread applying queued updates in order (so a CRC stays sequential).

    It also owns a small pool of reusable 1 MiB read buffers: reading into the same few
    buffers avoids allocating (and page-faulting) a fresh megabyte for every chunk.
    """

    BUFFERS = 4

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[_Updates, Any, bytearray | None] | None]
        self._jobs = queue.Queue(maxsize=8)
        self._free: queue.Queue[bytearray] = queue.Queue()
        self._allocated = 0
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="eif-measure", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            updates, chunk, buffer = job
            if self._failure is None:
                try:
                    for update in updates:
                        update(chunk)
                except BaseException as failure:  # re-raised in the caller's thread
                    self._failure = failure
            if buffer is not None:
                self._free.put(buffer)

    def take_buffer(self) -> bytearray:
        """A free read buffer (waits for the worker to finish with one when all are busy)."""
        if self._free.empty() and self._allocated < self.BUFFERS:
            self._allocated += 1
            return bytearray(CHUNK)
        return self._free.get()

    def submit(self, updates: _Updates, chunk: Any, buffer: bytearray | None = None) -> None:
        """Queue `updates(chunk)`; `buffer` returns to the pool once they ran."""
        if updates:
            self._jobs.put((updates, chunk, buffer))
        elif buffer is not None:
            self._free.put(buffer)

    def abandon(self) -> None:
        """Stop the thread after an error elsewhere, dropping whatever it was doing."""
        self._failure = self._failure or RuntimeError("abandoned")
        self._jobs.put(None)
        self._thread.join()

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join()
        if self._failure is not None:
            raise self._failure


class PcrAccumulator:
    """Feeds section bytes, in file order, into PCR0/1/2 (and optionally a CRC-32) in one pass.

    Call `begin(type)` before a section's data, `update(chunk)` for its bytes (any size),
    `end()` after it; `unmeasured(bytes)` for header bytes that only the CRC covers.
    """

    def __init__(self, *, crc: bool = False) -> None:
        self._prefix = hashlib.sha384()
        self._boot: Any = None
        self._app = hashlib.sha384()
        self._with_crc = crc
        self._pieces: list[tuple[int, int, int]] = []  # (order, crc32 of the chunk, length)
        self._sequence = 0
        self._ramdisks = 0
        self._lane = _Lane()
        self._main: _Updates = ()
        self._side: _Updates = ()
        self._in_ramdisk = False

    def _crc_piece(self) -> Callable[[Any], None]:
        sequence = self._sequence
        self._sequence += 1

        def piece(chunk: Any) -> None:
            self._pieces.append((sequence, zlib.crc32(chunk), len(chunk)))

        return piece

    def _split(self) -> tuple[_Updates, _Updates]:
        """(main, side) updates for the next chunk: its CRC goes to the worker, except one in
        MAIN_CRC_EVERY while both threads hash (the reading thread has the copying to do)."""
        if not self._with_crc:
            return self._main, self._side
        crc = (self._crc_piece(),)
        if self._side and self._sequence % MAIN_CRC_EVERY == 0:
            return self._main + crc, self._side
        return self._main, self._side + crc

    def unmeasured(self, chunk: bytes) -> None:
        """Bytes covered by the CRC but by no PCR (headers, metadata, signature)."""
        if self._with_crc:
            self._lane.submit((self._crc_piece(),), chunk)

    def begin(self, section_type: int) -> None:
        measured = section_type in (SectionType.KERNEL, SectionType.CMDLINE)
        self._in_ramdisk = section_type == SectionType.RAMDISK
        side: _Updates = ()
        main: _Updates = ()
        if measured or self._in_ramdisk:
            main = (self._prefix.update,)
            if measured and self._boot is not None:
                main += (self._boot.update,)
            if self._in_ramdisk and self._ramdisks > 0:
                side += (self._app.update,)
        self._main, self._side = main, side

    def update(self, chunk: bytes) -> None:
        main, side = self._split()
        self._lane.submit(side, chunk)
        for update in main:
            update(chunk)

    def end(self) -> None:
        if self._in_ramdisk:
            if self._ramdisks == 0:
                self._boot = self._prefix.copy()
            self._ramdisks += 1
        self._main, self._side, self._in_ramdisk = (), (), False

    def feed(self, section_type: int, stream: BinaryIO, size: int) -> None:
        """Read exactly `size` bytes of one section from `stream` through the hashes."""
        self.begin(section_type)
        remaining = size
        while remaining:
            buffer = self._lane.take_buffer()
            view = memoryview(buffer)
            count = stream.readinto(view[: min(CHUNK, remaining)])  # type: ignore[attr-defined]
            if not count:
                raise EifError(f"the file ended {remaining} bytes before the section did")
            chunk = view[:count]
            # Side lane first so both hash at once. With no side work the buffer is released
            # at once, which is safe: only this thread takes buffers, after hashing this one.
            main, side = self._split()
            self._lane.submit(side, chunk, buffer)
            for update in main:
                update(chunk)
            remaining -= count
        self.end()

    def abandon(self) -> None:
        """Release the worker thread when reading failed half way."""
        self._lane.abandon()

    def finish(self, *, pcr8: str | None = None) -> tuple[Measurements, int]:
        """The measurements and the CRC-32 (0 unless asked for)."""
        self._lane.close()
        boot = self._boot if self._boot is not None else self._prefix
        measurements = Measurements(
            pcr0=extend(self._prefix.digest()),
            pcr1=extend(boot.digest()),
            pcr2=extend(self._app.digest()),
            pcr8=pcr8,
        )
        return measurements, join(self._pieces) if self._with_crc else 0
