"""Suite-wide fixtures: every test gets its own nitrodeck home, so nothing touches the real one."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from vendored import VECTORS, VectorMismatch, check_vectors

settings.register_profile(
    "nitrodeck",
    deadline=None,
    max_examples=int(os.environ.get("NITRODECK_HYPOTHESIS_EXAMPLES", "150")),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("nitrodeck")


def _closed_loopback_port() -> int:
    """A loopback port nothing listens on (bound, then released): connecting is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# For every test and every process a test starts: no AF_VSOCK, and every AWS endpoint (IMDS
# included) on loopback, so nothing can reach 169.254.169.254, AWS or an enclave that is not ours.
_NOWHERE = f"http://127.0.0.1:{_closed_loopback_port()}/"
os.environ["NITRODECK_VSOCK"] = "off"
os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = _NOWHERE
os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"] = "IPv4"
os.environ["AWS_ENDPOINT_URL"] = _NOWHERE
os.environ.pop("NITRODECK_SYSROOT", None)
os.environ.pop("NITRODECK_NITRO_CLI", None)


@pytest.fixture(autouse=True)
def nitrodeck_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A fresh `$NITRODECK_HOME` per test (state, simulator, local KMS all live below it): what
    every edge (`Home.resolve()`: the command line, the app, a test) resolves."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("NITRODECK_HOME", str(home))
    yield home


@pytest.fixture(scope="session")
def vectors() -> Path:
    """`tests/vectors`: real attestation documents, the AWS root, real KMS blobs.

    Checked once per session against `manifest.json`; a mismatch fails every test that uses
    them (never a skip: a vector that changed would make those tests prove nothing).
    """
    try:
        check_vectors(VECTORS)
    except VectorMismatch as mismatch:
        pytest.fail(str(mismatch), pytrace=False)
    return VECTORS
