"""Fixtures for the attestation tests: the real documents, their manifest, times and anchors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from attestation_vectors import DOCUMENTS
from vendored import load_manifest

from core.attestation import TrustAnchor, aws_root_anchor


@pytest.fixture(scope="session")
def manifest(vectors: Path) -> dict[str, Any]:
    return load_manifest(vectors)


@pytest.fixture(scope="session")
def documents(vectors: Path) -> dict[str, bytes]:
    return {name: (vectors / name).read_bytes() for name in DOCUMENTS}


@pytest.fixture(scope="session")
def aws() -> TrustAnchor:
    return aws_root_anchor()
