"""Certificates of a document's chain, loaded once and described in words a report can use.

Parsing, hashing and key extraction are cached by the exact DER bytes: a stream of documents from
one enclave carries the same five certificates every time.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class CertInfo:
    """A parsed certificate with the facts every check needs.

    Only what every verification reads is computed up front; names and the public key are
    computed on first use (cryptography parses them lazily, and most verifications of a cached
    chain never look at them), and a damaged name reads as a placeholder instead of raising.
    """

    der: bytes
    certificate: x509.Certificate
    not_before: datetime
    not_after: datetime

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the DER bytes, lower-case hex."""
        return hashlib.sha256(self.der).hexdigest()

    @cached_property
    def subject(self) -> str:
        return _safe_name(lambda: self.certificate.subject)

    @cached_property
    def issuer(self) -> str:
        return _safe_name(lambda: self.certificate.issuer)

    @cached_property
    def serial(self) -> int:
        return self.certificate.serial_number

    @cached_property
    def common_name(self) -> str:
        try:
            names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        except ValueError:
            return self.subject
        return str(names[0].value) if names else self.subject

    @cached_property
    def public_key(self) -> CertificatePublicKeyTypes:
        """The subject's key (raises ValueError/UnsupportedAlgorithm for a damaged one)."""
        return self.certificate.public_key()


def _safe_name(get: Callable[[], x509.Name]) -> str:
    try:
        return get().rfc4514_string()
    except ValueError as error:
        return f"<unparseable name: {error}>"


def load_cert(der: bytes) -> CertInfo:
    """Parse DER; raise (ValueError and others) when it is not a certificate."""
    return cert_info(der, x509.load_der_x509_certificate(der))


def cert_info(der: bytes, cert: x509.Certificate) -> CertInfo:
    """`CertInfo` of a parsed certificate whose DER bytes are `der`."""
    return CertInfo(
        der=der,
        certificate=cert,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


class CertCache:
    """A bounded, thread-safe cache of `CertInfo` (or the parse error) keyed by DER bytes.

    Eviction is first-in first-out: the certificates of a live enclave are looked up on every
    document, so they are re-added soon after leaving; reads take no lock (dict reads are atomic).
    """

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: dict[bytes, CertInfo | str] = {}
        self._lock = threading.Lock()

    def get(self, der: bytes) -> CertInfo | str:
        """The parsed certificate, or a message saying why `der` is not one."""
        found = self._items.get(der)
        if found is not None:
            return found
        try:
            result: CertInfo | str = load_cert(der)
        except Exception as error:  # cryptography raises many error types for hostile DER
            result = f"not a valid X.509 certificate ({error or type(error).__name__})"
        self._store(der, result)
        return result

    def add(self, der: bytes, cert: x509.Certificate) -> None:
        """Remember an already parsed certificate (a trust anchor) without parsing it again."""
        self._store(der, cert_info(der, cert))

    def _store(self, der: bytes, result: CertInfo | str) -> None:
        with self._lock:
            self._items[der] = result
            while len(self._items) > self._size:
                del self._items[next(iter(self._items))]


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
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
