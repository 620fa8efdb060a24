"""Certificate path validation from the leaf through `cabundle` to a trust anchor, cached.

The path is validated at an instant when every certificate of the document is valid (the latest
notBefore), so the result depends only on the certificate bytes and the anchors: it is cached by
exactly those bytes, and validity at the caller's verification time is a separate, cheap check.
The built path must use every `cabundle` entry in the documented root-first order; a bundle that
validates only after reordering is reported, because real documents never need it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)

from core.attestation.certs import CertCache, CertInfo, iso
from core.attestation.trust import TrustAnchor

HINT_UNTRUSTED = (
    "the document was not issued by a trusted Nitro PKI: use --trust aws for real enclaves, "
    "--trust sim for the simulator, or name the root PEM that issued it"
)
HINT_MALFORMED = "the certificate chain in the document is damaged; fetch a fresh document"


@dataclass(frozen=True)
class ChainResult:
    """Whether a path exists, why (not), and which anchor it ends at."""

    ok: bool
    evidence: str
    hint: str = ""
    anchor: TrustAnchor | None = None


def _fail(evidence: str, hint: str = HINT_MALFORMED) -> ChainResult:
    return ChainResult(False, evidence, hint)


class ChainValidator:
    """Validates chains against fixed anchors; remembers results by the exact certificate bytes."""

    def __init__(self, anchors: Sequence[TrustAnchor], certs: CertCache, size: int = 256) -> None:
        self.anchors = tuple(anchors)
        self._store = Store([anchor.certificate for anchor in self.anchors]) if anchors else None
        self._certs = certs
        self._size = size
        self._results: OrderedDict[tuple[bytes, tuple[bytes, ...]], ChainResult] = OrderedDict()
        self._lock = threading.Lock()

    def validate(self, leaf: bytes, cabundle: Sequence[bytes]) -> ChainResult:
        key = (leaf, tuple(cabundle))
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
                return found
        result = self._validate(leaf, list(cabundle))
        with self._lock:
            self._results[key] = result
            if len(self._results) > self._size:
                self._results.popitem(last=False)
        return result

    def _load(self, ders: Sequence[bytes], first: int) -> list[CertInfo] | ChainResult:
        infos: list[CertInfo] = []
        for index, der in enumerate(ders, start=first):
            info = self._certs.get(der)
            if isinstance(info, str):
                name = "the leaf certificate" if index < 0 else f"cabundle[{index}]"
                return _fail(f"{name} is {info}")
            infos.append(info)
        return infos

    def _validate(self, leaf_der: bytes, cabundle: list[bytes]) -> ChainResult:
        if self._store is None:
            return _fail("no trust anchor is configured", HINT_UNTRUSTED)
        if not cabundle:
            return _fail("cabundle is empty, so there is no path to a root")
        loaded = self._load([leaf_der], -1)
        intermediates = self._load(cabundle[1:], 1)
        if isinstance(loaded, ChainResult):
            return loaded
        if isinstance(intermediates, ChainResult):
            return intermediates
        infos = loaded + intermediates
        latest_start = max(infos, key=lambda info: info.not_before)
        earliest_end = min(infos, key=lambda info: info.not_after)
        if latest_start.not_before > earliest_end.not_after:
            return _fail(
                f"the certificates were never valid together: {earliest_end.common_name} expired "
                f"at {iso(earliest_end.not_after)}, before {latest_start.common_name} became "
                f"valid at {iso(latest_start.not_before)}"
            )
        verifier = (
            PolicyBuilder()
            .store(self._store)
            .time(latest_start.not_before)
            .extension_policies(
                ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                ee_policy=ExtensionPolicy.permit_all(),
            )
            .build_client_verifier()
        )
        try:
            verified = verifier.verify(
                loaded[0].certificate, [i.certificate for i in intermediates]
            )
        except (VerificationError, ValueError) as error:
            return self._no_path(str(error), cabundle)
        chain = verified.chain
        expected = [info.certificate for info in (loaded[0], *reversed(intermediates))]
        anchor = next(a for a in self.anchors if a.certificate == chain[-1])
        if chain[:-1] == expected:  # Certificate equality compares the DER bytes
            return ChainResult(
                True,
                f"leaf → {len(cabundle) - 1} intermediate CA(s) → {anchor.name}: every "
                f"signature and CA constraint holds",
                anchor=anchor,
            )
        return self._misordered([c.public_bytes(Encoding.DER) for c in chain], cabundle)

    def _misordered(self, path: list[bytes], cabundle: list[bytes]) -> ChainResult:
        position = {der: f"cabundle[{i}]" for i, der in enumerate(cabundle)}
        used = " → ".join(["leaf", *(position.get(d, "?") for d in path[1:-1]), "root"])
        return _fail(
            f"cabundle is not in root-first issuing order: the valid path is {used}; real "
            f"documents list the root, then each CA issued by the one before it",
            "the cabundle was reordered or padded after the NSM produced it; fetch a fresh "
            "document",
        )

    def _no_path(self, reason: str, cabundle: list[bytes]) -> ChainResult:
        first = self._certs.get(cabundle[0])
        if isinstance(first, str):
            return _fail(f"no valid path to a trusted root ({reason}); cabundle[0] is {first}")
        for anchor in self.anchors:
            if first.subject == anchor.subject and first.der != anchor.der:
                return _fail(
                    f"cabundle[0] claims to be {anchor.name} ({anchor.subject}) but is a "
                    f"look-alike: its fingerprint is {first.fingerprint}, the trusted root's is "
                    f"{anchor.fingerprint}; the chain does not lead to the trusted root "
                    f"({reason})",
                    "someone re-signed this document's chain with their own root: do not trust it",
                )
        names = ", ".join(anchor.name for anchor in self.anchors)
        return _fail(
            f"no valid path from the leaf through cabundle to {names} ({reason})", HINT_UNTRUSTED
        )
