"""The simulated Nitro PKI of one nitrodeck home: a root created once, and regional, zonal and
per-instance CAs re-issued whenever they would not cover a new leaf.

Layout under `home/sim/pki/` (directory 0700): `root.pem` (public certificate, what verifiers
trust), `root.key` (0600), and one 0600 file per intermediate holding its certificate and key
together, so a reader never pairs a certificate with another generation's key. Several processes
(one supervisor per simulated enclave) share the home: every change happens under an exclusive
`flock` on `.lock`, and every file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from core.errors import NitrodeckError
from core.home import ensure_private_dir, file_lock, write_private_file
from core.nsm import certs
from core.nsm.certs import Issued
from core.nsm.identity import check_instance_id, check_region, parse_module_id


@dataclass(frozen=True)
class IssuedLeaf:
    """A leaf with the exact `cabundle` (DER, root first) that was current when it was signed."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    cabundle: tuple[bytes, ...]
    der: bytes  # the certificate's DER, encoded once for every document it signs


def _pem(issued: Issued, *, with_key: bool) -> bytes:
    data = issued.cert.public_bytes(serialization.Encoding.PEM)
    if with_key:
        data += issued.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    return data


def _load(cert_path: Path, key_path: Path) -> Issued | None:
    """The certificate and key stored at these paths, or None if absent or unreadable."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    return Issued(cert, key)


def _covers(cert: x509.Certificate, start: dt.datetime, end: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= start and end <= cert.not_valid_after_utc


def _issued_by(child: Issued, parent: Issued) -> bool:
    try:
        child.cert.verify_directly_issued_by(parent.cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


class SimPki:
    """Load with `SimPki.load_or_create(home)`; thread- and process-safe."""

    def __init__(self, directory: Path, root: Issued) -> None:
        self.directory = directory
        self.root = root
        self._lock = threading.Lock()
        self._last: tuple[str, str] | None = None

    @property
    def root_pem_path(self) -> Path:
        return self.directory / "root.pem"

    @property
    def root_der(self) -> bytes:
        return self.root.cert.public_bytes(serialization.Encoding.DER)

    @classmethod
    def load_or_create(cls, home: Path, *, now: dt.datetime | None = None) -> SimPki:
        """The PKI of `home`, creating its root the first time (exactly once, even when several
        processes start at the same moment)."""
        directory = home / "sim" / "pki"
        try:
            ensure_private_dir(directory)
            os.chmod(directory, 0o700)
            with file_lock(directory / ".lock"):
                root = _load(directory / "root.pem", directory / "root.key")
                if root is None:
                    root = certs.make_root(now or dt.datetime.now(dt.UTC))
                    write_private_file(directory / "root.key", _pem(root, with_key=True))
                    write_private_file(directory / "root.pem", _pem(root, with_key=False))
                    os.chmod(directory / "root.pem", 0o644)
        except OSError as error:
            raise NitrodeckError(
                f"cannot create or read the simulated Nitro PKI: {error.strerror}",
                where=str(error.filename or directory),
                fix="make the nitrodeck home writable, or point NITRODECK_HOME somewhere that is",
            ) from None
        return cls(directory, root)

    def issue_leaf(
        self, module_id: str, region: str, now: dt.datetime
    ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        """A fresh per-enclave leaf (valid now − 3 s … + 3 h) signed by the instance CA."""
        leaf = self.issue_leaf_with_chain(module_id, region, now)
        return leaf.cert, leaf.key

    def issue_leaf_with_chain(self, module_id: str, region: str, now: dt.datetime) -> IssuedLeaf:
        instance_id, enclave_uid = parse_module_id(module_id)
        start = now.replace(microsecond=0) - certs.LEAF_BACKDATE
        chain = self._chain(instance_id, region, now, start, start + certs.LEAF_LIFETIME)
        self._last = (instance_id, region)
        leaf = certs.make_leaf(chain[-1], module_id, enclave_uid, region, now)
        bundle = tuple(c.cert.public_bytes(serialization.Encoding.DER) for c in chain)
        der = leaf.cert.public_bytes(serialization.Encoding.DER)
        return IssuedLeaf(leaf.cert, leaf.key, bundle, der)

    def cabundle(self, instance_id: str | None = None, region: str | None = None) -> list[bytes]:
        """The current chain for that instance as DER, root first (the document's `cabundle`);
        without arguments, for the instance and region of the last leaf issued here."""
        if instance_id is None or region is None:
            if self._last is None:
                raise NitrodeckError(
                    "no leaf has been issued yet, so there is no instance chain",
                    where="simulated Nitro PKI",
                    fix="pass the instance id and region, or issue a leaf first",
                )
            instance_id = instance_id or self._last[0]
            region = region or self._last[1]
        now = dt.datetime.now(dt.UTC)
        chain = self._chain(instance_id, region, now, now, now)
        return [c.cert.public_bytes(serialization.Encoding.DER) for c in chain]

    def _chain(
        self,
        instance_id: str,
        region: str,
        now: dt.datetime,
        start: dt.datetime,
        end: dt.datetime,
    ) -> list[Issued]:
        """[root, regional, zonal, instance], re-issuing any level that is missing, was issued
        by another generation of its parent, or does not cover [start, end]."""
        check_instance_id(instance_id)
        check_region(region)
        levels: list[tuple[str, Callable[[Issued], Issued]]] = [
            (f"regional-{region}.pem", lambda parent: certs.make_regional(parent, region, now)),
            (f"zonal-{region}.pem", lambda parent: certs.make_zonal(parent, region, now)),
            (
                f"instance-{region}-{instance_id}.pem",
                lambda parent: certs.make_instance(parent, instance_id, region, now),
            ),
        ]
        chain = [self.root]
        with self._lock, file_lock(self.directory / ".lock"):
            renewed = False
            for filename, make in levels:
                path = self.directory / filename
                current = None if renewed else _load(path, path)
                if current is None or not (
                    _issued_by(current, chain[-1]) and _covers(current.cert, start, end)
                ):
                    current = make(chain[-1])
                    write_private_file(path, _pem(current, with_key=True))
                    renewed = True  # everything below must be re-issued by the new key
                chain.append(current)
        return chain
