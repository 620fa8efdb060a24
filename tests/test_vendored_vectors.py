"""The vendored vectors: each is the file its manifest vouches for; a changed one fails loudly."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest
from vendored import VECTORS, VectorMismatch, check_vectors

from core.attestation import AWS_ROOT_SHA256, aws_root_anchor

pytest_plugins = ["pytester"]
HERE = Path(__file__).resolve().parent
KINDS = {".cose": 6, ".ber": 2, ".der": 1, ".pem": 1, ".zip": 1}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(VECTORS, tmp_path / "vectors"))


def test_every_vendored_file_is_listed_with_its_source_and_hash() -> None:
    manifest = check_vectors(VECTORS)
    assert {kind: sum(n.endswith(kind) for n in manifest) for kind in KINDS} == KINDS
    for name, entry in manifest.items():
        source = entry["source"]
        assert source["repository"].startswith("https://github.com/"), name
        assert source["path"] and source["form"], name
        assert len(entry["sha256"]) == 64 and entry["size"] == (VECTORS / name).stat().st_size
    assert sum(e["size"] for e in manifest.values()) < 100_000  # small enough for git


def test_the_root_is_the_one_aws_publishes_and_the_one_we_ship() -> None:
    """The zip hashes to AWS's published SHA-256; its root.pem is our PEM, DER and bundled root."""
    manifest = check_vectors(VECTORS)
    archive = VECTORS / "AWS_NitroEnclaves_Root-G1.zip"
    published = manifest[archive.name]["published_sha256"]
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == published
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == ["root.pem"]
        pem = opened.read("root.pem")
    assert pem == (VECTORS / "aws-nitro-enclaves-root-g1.pem").read_bytes()
    der = (VECTORS / "aws-nitro-enclaves-root-g1.der").read_bytes()
    assert hashlib.sha256(der).hexdigest() == AWS_ROOT_SHA256 == aws_root_anchor().fingerprint
    assert aws_root_anchor().der == der


def test_a_flipped_byte_is_named_with_both_hashes(copy: Path) -> None:
    target = copy / "kms_cms_recipient_1.ber"
    data = bytearray(target.read_bytes())
    data[100] ^= 1
    target.write_bytes(bytes(data))
    with pytest.raises(VectorMismatch) as caught:
        check_vectors(copy)
    text = str(caught.value)
    assert f"kms_cms_recipient_1.ber: SHA-256 {hashlib.sha256(data).hexdigest()}" in text
    assert "755b9cddf708f37db12124de6b030aa0a9ca64639cfb6126f95045b41e1a431a" in text
    assert "git checkout -- tests/vectors" in text
    assert text.count("\n  ") == 1  # only the changed file


def test_missing_unlisted_and_truncated_files_are_each_named(copy: Path) -> None:
    (copy / "base_prod_2024-11-30.cose").unlink()
    (copy / "stray.cose").write_bytes(b"\x84")
    pem = copy / "aws-nitro-enclaves-root-g1.pem"
    pem.write_bytes(pem.read_bytes() + b"\n")  # what a line-ending filter would do
    with pytest.raises(VectorMismatch) as caught:
        check_vectors(copy)
    text = str(caught.value)
    assert "base_prod_2024-11-30.cose: listed in the manifest but missing" in text
    assert "stray.cose: not listed in the manifest" in text
    assert "aws-nitro-enclaves-root-g1.pem: SHA-256" in text and "(778 bytes)" in text


def test_no_manifest_is_a_mismatch_too(copy: Path) -> None:
    (copy / "manifest.json").unlink()
    with pytest.raises(VectorMismatch, match=r"manifest\.json is missing"):
        check_vectors(copy)


def test_the_suite_fails_not_skips_on_a_changed_vector(pytester: pytest.Pytester) -> None:
    """The real conftest, beside a tampered copy of the vectors: the test errors with the reason."""
    for name in ("conftest.py", "vendored.py"):
        shutil.copy(HERE / name, pytester.path / name)
    shutil.copytree(VECTORS, pytester.path / "vectors")
    (pytester.path / "vectors" / "evervault_prod_2022-10-13.cose").write_bytes(b"\x84\x44")
    pytester.makepyfile(test_uses="def test_reads(vectors):\n    assert vectors.is_dir()\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*do not match manifest.json*", "*evervault_prod_2022-10-13*"])
