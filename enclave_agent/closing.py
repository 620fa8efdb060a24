"""`Closing`: a resource that is its own context manager (`with client:` closes it at the end).

In the agent package because both sides of the NSM socket use it (the client inside an
enclave, the simulator's device server in `core`), and the agent imports nothing of `core`.
"""

from __future__ import annotations

from typing import Self


class Closing:
    """Mix in for a class with `close()`: `__enter__` returns the object, `__exit__` closes it."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
