"""Suite-wide fixtures: every test gets its own nitrodeck home, so nothing touches the real one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "nitrodeck",
    deadline=None,
    max_examples=int(os.environ.get("NITRODECK_HYPOTHESIS_EXAMPLES", "150")),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("nitrodeck")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
VECTORS = SHARED / "nitro-vectors"


@pytest.fixture(autouse=True)
def nitrodeck_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh `$NITRODECK_HOME` per test (state, simulator, local KMS all live below it)."""
    home = tmp_path_factory.mktemp("home")
    previous = os.environ.get("NITRODECK_HOME")
    os.environ["NITRODECK_HOME"] = str(home)
    try:
        yield home
    finally:
        if previous is None:
            os.environ.pop("NITRODECK_HOME", None)
        else:
            os.environ["NITRODECK_HOME"] = previous


@pytest.fixture(scope="session")
def vectors() -> Path:
    """`../shared/nitro-vectors`: real attestation documents, the AWS root, real KMS blobs."""
    if not VECTORS.is_dir():
        pytest.fail(f"the shared test vectors are missing: expected them at {VECTORS}")
    return VECTORS
