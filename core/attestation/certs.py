"""Certificates of a document's chain, loaded once and described in words a report can use.

Parsing, hashing and key extraction are cached by the exact DER bytes: a stream of documents from
one enclave carries the same five certificates every time.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class CertInfo:
    """A parsed certificate with the facts every check needs."""

    der: bytes
    certificate: x509.Certificate
    fingerprint: str
    subject: str
    issuer: str
    serial: int
    common_name: str
    not_before: datetime
    not_after: datetime
    public_key: CertificatePublicKeyTypes


def load_cert(der: bytes) -> CertInfo:
    """Parse DER eagerly (cryptography parses names and extensions lazily); ValueError if bad."""
    cert = x509.load_der_x509_certificate(der)
    _ = cert.extensions
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = str(names[0].value) if names else cert.subject.rfc4514_string()
    return CertInfo(
        der=der,
        certificate=cert,
        fingerprint=hashlib.sha256(der).hexdigest(),
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=cert.serial_number,
        common_name=common_name,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        public_key=cert.public_key(),
    )


class CertCache:
    """A bounded, thread-safe LRU of `CertInfo` (or the parse error) keyed by DER bytes."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[bytes, CertInfo | str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, der: bytes) -> CertInfo | str:
        """The parsed certificate, or a message saying why `der` is not one."""
        with self._lock:
            found = self._items.get(der)
            if found is not None:
                self._items.move_to_end(der)
                return found
        try:
            result: CertInfo | str = load_cert(der)
        except Exception as error:  # cryptography raises many error types for hostile DER
            result = f"not a valid X.509 certificate ({error or type(error).__name__})"
        with self._lock:
            self._items[der] = result
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return result


def format_duration(seconds: float) -> str:
    """'2 h 51 min', '4 y 81 d', '12 s': the two largest units, for humans reading a report."""
    remaining = int(abs(seconds))
    units = (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("min", 60), ("s", 1))
    parts: list[str] = []
    for name, size in units:
        if remaining >= size or (name == "s" and not parts):
            parts.append(f"{remaining // size} {name}")
            remaining %= size
        elif parts:
            break
        if len(parts) == 2:
            break
    return " ".join(parts)


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with a Z, to the second (what certificates carry)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
