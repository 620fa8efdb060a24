"""Ephemeral recipient keys held inside the agent between the two halves of the KMS flow.

The parent asks for a key (and a document carrying its public half), calls KMS, then comes back
with `CiphertextForRecipient`. Between those calls the private key lives only here, under an
unguessable handle; it is dropped on first use or after its time to live, whichever comes first,
and the store is bounded so a client cannot make the agent hoard keys.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Entry(Generic[T]):
    value: T
    expires: float


class KeyStore(Generic[T]):
    """A thread-safe, bounded map handle → key whose entries expire after `ttl` seconds."""

    def __init__(
        self, ttl: float, max_keys: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_keys = max_keys
        self._clock = clock
        self._entries: dict[str, _Entry[T]] = {}
        self._lock = threading.Lock()

    def _sweep(self, now: float) -> None:
        for handle in [h for h, e in self._entries.items() if e.expires <= now]:
            del self._entries[handle]

    def put(self, value: T) -> str:
        """Hold `value` and return its new handle; evicts the oldest entry when full."""
        handle = secrets.token_hex(16)
        with self._lock:
            now = self._clock()
            self._sweep(now)
            while len(self._entries) >= self.max_keys:
                del self._entries[next(iter(self._entries))]
            self._entries[handle] = _Entry(value, now + self.ttl)
        return handle

    def take(self, handle: str) -> T | None:
        """Remove and return the key for `handle`; None when unknown, used or expired."""
        with self._lock:
            self._sweep(self._clock())
            entry = self._entries.pop(handle, None)
        return None if entry is None else entry.value

    def __len__(self) -> int:
        with self._lock:
            self._sweep(self._clock())
            return len(self._entries)
