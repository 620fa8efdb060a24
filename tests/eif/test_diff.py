"""`diff` answers why PCR0 changed, separating measured from unmeasured differences."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from eif_support import RootfsFactory, SignerFactory

from core.eif import build_eif, diff_eifs, sign_eif


def build(root: Path, out: Path, **extra: object) -> Path:
    return build_eif(output=out, rootfs=root, cmd=["/app/main.py"], **extra)[1]  # type: ignore[arg-type]


def test_diff_names_the_changed_file(make_rootfs: RootfsFactory, tmp_path: Path) -> None:
    root = make_rootfs(files={"app/main.py": "v1\n", "app/util.py": "u\n", "app/gone.py": "g\n"})
    before = build(root, tmp_path / "a.eif")
    (root / "app" / "main.py").write_text("v2, longer\n")
    (root / "app" / "gone.py").unlink()
    (root / "app" / "new.py").write_text("n\n")
    after = build(root, tmp_path / "b.eif")
    diff = diff_eifs(before, after)
    assert diff.moved == ["PCR0", "PCR2"]
    [ramdisk] = diff.ramdisks
    assert ramdisk.name == "ramdisk 1"
    assert ramdisk.added == ["rootfs/app/new.py"] and ramdisk.removed == ["rootfs/app/gone.py"]
    [change] = ramdisk.changed
    assert change.path == "rootfs/app/main.py" and set(change.fields) == {"size", "sha256"}
    sentence = diff.explanation()
    assert sentence.startswith("PCR0 and PCR2 moved because the customer ramdisk changed")
    assert "rootfs/app/main.py" in sentence and "rootfs/app/new.py" in sentence
    shaped = diff.to_json()
    assert shaped["MovedPCRs"] == ["PCR0", "PCR2"]
    assert shaped["Ramdisks"][0]["Changed"][0]["Path"] == "rootfs/app/main.py"


def test_metadata_only_difference(make_rootfs: RootfsFactory, tmp_path: Path) -> None:
    root = make_rootfs()
    first = build(root, tmp_path / "a.eif", version="1")
    second = build(root, tmp_path / "b.eif", version="2")
    diff = diff_eifs(first, second)
    assert diff.moved == [] and diff.ramdisks == []
    assert diff.metadata == [("ImageVersion", "1", "2")]
    assert [s.name for s in diff.sections if s.status != "same"] == ["metadata"]
    assert diff.explanation().startswith("PCR0, PCR1 and PCR2 are unchanged")


def test_timestamp_only_changes_are_reported_apart(
    make_rootfs: RootfsFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_rootfs()
    os.utime(root / "app" / "main.py", (1_000_000, 1_000_000))
    first = build(root, tmp_path / "a.eif")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "2000000")
    second = build(root, tmp_path / "b.eif")
    diff = diff_eifs(first, second)
    assert "PCR0" in diff.moved
    customer = next(r for r in diff.ramdisks if r.name == "ramdisk 1")
    assert customer.content_changes() == [] and customer.timestamp_changes()
    assert "rootfs/app/main.py" in [c.path for c in customer.timestamp_changes()]
    sentence = diff.explanation()
    assert "only the mtimes" in sentence and "SOURCE_DATE_EPOCH" in sentence
    assert "BuildMetadata.BuildTime" in sentence


def test_signing_moves_only_pcr8(
    make_rootfs: RootfsFactory, make_signer: SignerFactory, tmp_path: Path
) -> None:
    root = make_rootfs()
    plain = build(root, tmp_path / "a.eif")
    signed = build(root, tmp_path / "b.eif")
    sign_eif(signed, *make_signer())
    diff = diff_eifs(plain, signed)
    assert diff.moved == ["PCR8"]
    assert [(s.name, s.status) for s in diff.sections if s.status != "same"] == [
        ("signature", "added")
    ]
    assert "PCR8 moved" in diff.explanation()


def test_identical_images(synthetic: Path) -> None:
    assert (
        diff_eifs(synthetic, synthetic).explanation()
        == "The images are identical in every section."
    )
