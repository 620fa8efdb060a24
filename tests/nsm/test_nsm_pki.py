"""The simulated Nitro PKI: created once per home, private files 0600, the real chain's shape."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID

from core.errors import NitrodeckError
from core.nsm.pki import SimPki
from tests.nsm.conftest import ENCLAVE_UID, INSTANCE_ID

MODULE_ID = f"{INSTANCE_ID}-enc{ENCLAVE_UID:016x}"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=250000)
REPO = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def chain_of(pki: SimPki, now: dt.datetime = NOW) -> list[x509.Certificate]:
    """[root, regional, zonal, instance, leaf] of a leaf issued at `now`."""
    issued = pki.issue_leaf_with_chain(MODULE_ID, "us-east-1", now)
    return [x509.load_der_x509_certificate(der) for der in issued.cabundle] + [issued.cert]


def test_files_and_permissions(pki: SimPki, nitrodeck_home: Path) -> None:
    chain_of(pki)
    directory = nitrodeck_home / "sim" / "pki"
    assert pki.root_pem_path == directory / "root.pem"
    assert mode(directory) == 0o700
    private = [p for p in directory.iterdir() if p.name != "root.pem"]
    assert {p.name for p in private} >= {
        "root.key",
        "regional-us-east-1.pem",
        "zonal-us-east-1.pem",
        f"instance-us-east-1-{INSTANCE_ID}.pem",
    }
    assert all(mode(p) == 0o600 for p in private), {p.name: oct(mode(p)) for p in private}
    assert b"PRIVATE KEY" not in pki.root_pem_path.read_bytes()
    assert not [p for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_root_is_created_once(pki: SimPki, nitrodeck_home: Path) -> None:
    again = SimPki.load_or_create(nitrodeck_home)
    assert again.root_der == pki.root_der


def test_concurrent_processes_agree_on_one_root(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from core.nsm.pki import SimPki;"
        "print(SimPki.load_or_create(Path(sys.argv[1])).root_der.hex())"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    roots = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert len(roots) == 1 and "" not in roots


def test_names_say_simulated(pki: SimPki) -> None:
    for cert in chain_of(pki):
        ou = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value
        assert ou == "nitrodeck SIMULATED"
        assert "Amazon" not in cert.subject.rfc4514_string().replace("not Amazon", "")
    cn = [c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value for c in chain_of(pki)]
    assert cn[0] == "nitrodeck-simulator.nitro-enclaves"
    assert cn[1].endswith(".us-east-1.sim.nitro-enclaves") and len(cn[1].split(".")[0]) == 16
    assert cn[2].endswith(".zonal.us-east-1.sim.nitro-enclaves")
    assert cn[3] == f"{INSTANCE_ID}.us-east-1.sim.nitro-enclaves"
    assert cn[4] == f"{MODULE_ID}.us-east-1.sim"


def ext(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> x509.Extension[x509.ExtensionType]:
    return cert.extensions.get_extension_for_oid(oid)


@pytest.mark.parametrize(("level", "path_length"), [(0, None), (1, 2), (2, 1), (3, 0)])
def test_ca_shape(pki: SimPki, level: int, path_length: int | None) -> None:
    cert = chain_of(pki)[level]
    constraints = ext(cert, ExtensionOID.BASIC_CONSTRAINTS)
    assert constraints.critical and constraints.value == x509.BasicConstraints(True, path_length)
    usage = ext(cert, ExtensionOID.KEY_USAGE)
    assert usage.critical and usage.value.key_cert_sign  # type: ignore[attr-defined]
    assert usage.value.digital_signature == (level != 3)  # type: ignore[attr-defined]
    ext(cert, ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    if level:
        ext(cert, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp384r1"  # type: ignore[union-attr]
    assert cert.signature_algorithm_oid == x509.SignatureAlgorithmOID.ECDSA_WITH_SHA384


def test_leaf_shape(pki: SimPki) -> None:
    *_, instance, leaf = chain_of(pki)
    assert [e.oid for e in leaf.extensions] == [
        ExtensionOID.BASIC_CONSTRAINTS,
        ExtensionOID.KEY_USAGE,
    ]  # no AKI, no SKI, like AWS's leaves
    assert ext(leaf, ExtensionOID.BASIC_CONSTRAINTS).value == x509.BasicConstraints(False, None)
    usage = ext(leaf, ExtensionOID.KEY_USAGE)
    assert not usage.critical
    assert usage.value.digital_signature and usage.value.content_commitment  # type: ignore[attr-defined]
    assert not usage.value.key_cert_sign  # type: ignore[attr-defined]
    assert leaf.issuer == instance.subject
    leaf.verify_directly_issued_by(instance)


def test_leaf_serial_and_lifetime(pki: SimPki) -> None:
    leaf = chain_of(pki)[-1]
    issued_seconds = int(NOW.timestamp())
    serial = leaf.serial_number.to_bytes(16, "big")
    assert serial == ENCLAVE_UID.to_bytes(8, "big") + bytes(4) + issued_seconds.to_bytes(4, "big")
    assert leaf.not_valid_before_utc == NOW.replace(microsecond=0) - dt.timedelta(seconds=3)
    lifetime = leaf.not_valid_after_utc - leaf.not_valid_before_utc
    assert lifetime == dt.timedelta(hours=3, seconds=3)


def test_ca_lifetimes(pki: SimPki) -> None:
    root, regional, zonal, instance, _ = chain_of(pki)

    def days(cert: x509.Certificate) -> float:
        return (cert.not_valid_after_utc - cert.not_valid_before_utc) / dt.timedelta(days=1)

    assert days(root) > 365 * 29
    assert 19.9 < days(regional) < 20.2 and 5.4 < days(zonal) < 6.1 and days(instance) == 1


def test_expired_levels_are_reissued(pki: SimPki) -> None:
    root, regional, zonal, instance, _ = chain_of(pki)
    next_day = chain_of(pki, NOW + dt.timedelta(days=1))
    assert next_day[1:3] == [regional, zonal]  # still valid: reused, from disk
    assert next_day[3] != instance  # one day: the instance CA is renewed
    later = chain_of(pki, NOW + dt.timedelta(days=30))
    assert later[0] == root and later[1] != regional and later[2] != zonal
    for parent, child in itertools.pairwise(later):
        child.verify_directly_issued_by(parent)


def test_other_processes_see_the_same_chain(pki: SimPki, nitrodeck_home: Path) -> None:
    first = chain_of(pki)
    second = chain_of(SimPki.load_or_create(nitrodeck_home))
    assert first[:4] == second[:4]


def test_a_corrupt_intermediate_is_replaced(pki: SimPki, nitrodeck_home: Path) -> None:
    chain_of(pki)
    (nitrodeck_home / "sim" / "pki" / "zonal-us-east-1.pem").write_bytes(b"garbage")
    chain = chain_of(pki)
    for parent, child in itertools.pairwise(chain):
        child.verify_directly_issued_by(parent)


def test_bad_names_are_refused(pki: SimPki) -> None:
    with pytest.raises(NitrodeckError, match="module id"):
        pki.issue_leaf("not-a-module", "us-east-1", NOW)
    with pytest.raises(NitrodeckError, match="region"):
        pki.issue_leaf(MODULE_ID, "../../etc", NOW)


def test_issue_leaf_returns_a_matching_key(pki: SimPki) -> None:
    cert, key = pki.issue_leaf(MODULE_ID, "eu-west-2", NOW)
    assert cert.public_key() == key.public_key()
    assert cert.subject.rfc4514_string().startswith(f"CN={MODULE_ID}.eu-west-2.sim")
    assert len(pki.cabundle(INSTANCE_ID, "eu-west-2")) == 4
    assert os.path.exists(pki.directory / f"instance-eu-west-2-{INSTANCE_ID}.pem")


def test_an_unwritable_home_is_a_clear_error(tmp_path: Path) -> None:
    blocked = tmp_path / "home"
    blocked.mkdir()
    (blocked / "sim").write_bytes(b"a file where a directory should be")
    with pytest.raises(NitrodeckError, match="simulated Nitro PKI") as caught:
        SimPki.load_or_create(blocked)
    assert caught.value.fix and "NITRODECK_HOME" in caught.value.fix


def test_cabundle_defaults_to_the_last_leafs_instance(pki: SimPki) -> None:
    with pytest.raises(NitrodeckError, match="no leaf has been issued"):
        pki.cabundle()
    issued = pki.issue_leaf_with_chain(MODULE_ID, "us-east-1", dt.datetime.now(dt.UTC))
    assert tuple(pki.cabundle()) == issued.cabundle
    assert pki.cabundle()[0] == pki.root_der
