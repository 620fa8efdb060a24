"""The simulator every end-to-end test runs its enclaves on, emptied afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.home import Home
from core.platform.sim.platform import SimPlatform


@pytest.fixture
def platform() -> Iterator[SimPlatform]:
    sim = SimPlatform(home=Home.resolve())
    try:
        yield sim
    finally:
        sim.terminate_enclave(all_enclaves=True)
        sim.close()
