"""The key store between the two halves of the recipient flow: single use, TTL, bounded."""

from __future__ import annotations

from enclave_agent.keys import KeyStore


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_single_use() -> None:
    store: KeyStore[str] = KeyStore(ttl=60, max_keys=4)
    handle = store.put("key")
    assert store.take(handle) == "key"
    assert store.take(handle) is None


def test_expires_after_ttl() -> None:
    clock = Clock()
    store: KeyStore[str] = KeyStore(ttl=60, max_keys=4, clock=clock)
    handle = store.put("key")
    clock.now += 59.9
    assert len(store) == 1
    clock.now += 0.1
    assert store.take(handle) is None and len(store) == 0


def test_bounded_drops_the_oldest() -> None:
    store: KeyStore[int] = KeyStore(ttl=60, max_keys=2)
    first, second, third = store.put(1), store.put(2), store.put(3)
    assert len(store) == 2
    assert store.take(first) is None
    assert (store.take(second), store.take(third)) == (2, 3)


def test_handles_are_unguessable_and_distinct() -> None:
    store: KeyStore[int] = KeyStore(ttl=60, max_keys=1000)
    handles = {store.put(i) for i in range(500)}
    assert len(handles) == 500 and all(len(h) == 32 for h in handles)
