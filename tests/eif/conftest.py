"""Fixtures for the EIF engine: docs/eif.md §6's synthetic image, rootfs trees, signing pairs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from eif_support import SYNTHETIC_SECTIONS, RootfsFactory, SignerFactory
from pem_pairs import write_self_signed

from core.eif.writer import write_eif


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    """The synthetic EIF of docs/eif.md §6, written by our writer."""
    path = tmp_path / "synthetic.eif"
    write_eif(path, SYNTHETIC_SECTIONS)
    return path


@pytest.fixture
def make_rootfs(tmp_path: Path) -> RootfsFactory:
    """`make_rootfs(name, {relative path: text})` creates a small tree and returns its root."""

    def make(name: str = "app-root", files: dict[str, str] | None = None) -> Path:
        root = tmp_path / name
        for relative, text in (files or {"app/main.py": "print('hello')\n"}).items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        root.mkdir(exist_ok=True)
        return root

    return make


@pytest.fixture
def make_signer(tmp_path: Path) -> SignerFactory:
    """`make_signer(curve, valid_from, valid_until)` -> (certificate PEM path, key PEM path)."""
    counter = iter(range(1000))

    def make(
        curve: ec.EllipticCurve | None = None,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> tuple[Path, Path]:
        return write_self_signed(
            tmp_path,
            ec.generate_private_key(curve or ec.SECP384R1()),
            country="US",
            valid_from=valid_from,
            valid_until=valid_until,
            stem=str(next(counter)),
        )

    return make
