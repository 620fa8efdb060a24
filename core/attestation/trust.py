"""Trust anchors: the roots a document's chain must end at.

The AWS Nitro Enclaves root ships inside the package and is pinned by its DER SHA-256, so a
tampered installation cannot swap it (PEM copies differ in trailing newlines; the DER does not).
The simulator's root lives in the simulator's home, and any other root comes from a PEM the user
names: every anchor is just a certificate with a name and a fingerprint.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from core.attestation.certs import CertInfo, cert_info
from core.attestation.errors import AttestationError
from core.home import Home

AWS_ROOT_RESOURCE = "aws-nitro-enclaves-root-g1.pem"
AWS_ROOT_SHA256 = "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b"
SIM_ROOT_RELATIVE = Path("sim") / "pki" / "root.pem"


@dataclass(frozen=True)
class TrustAnchor:
    """A root certificate the verifier trusts, with a name for reports."""

    name: str
    der: bytes
    source: str = ""
    certificate: x509.Certificate = field(init=False, repr=False, compare=False)
    info: CertInfo = field(init=False, repr=False, compare=False)
    fingerprint: str = field(init=False, repr=False, compare=False)
    subject: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            cert = x509.load_der_x509_certificate(self.der)
        except ValueError as error:
            raise AttestationError(
                f"the trust anchor is not a DER X.509 certificate: {error}",
                where=self.source or self.name,
                fix="name a PEM file holding the root certificate",
            ) from None
        # computed once: anchors live long and every verification reads these
        info = cert_info(self.der, cert)
        object.__setattr__(self, "certificate", cert)
        object.__setattr__(self, "info", info)
        object.__setattr__(self, "fingerprint", info.fingerprint)
        object.__setattr__(self, "subject", info.subject)


def _pem_certificates(text: bytes, where: str) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(text)
    except ValueError:
        pass
    try:
        return [x509.load_der_x509_certificate(text)]
    except ValueError:
        raise AttestationError(
            "holds no PEM or DER certificate",
            where=where,
            fix="name a file that contains the root certificate (-----BEGIN CERTIFICATE-----)",
        ) from None


def _anchor_from_bytes(text: bytes, name: str, where: str) -> TrustAnchor:
    certificates = _pem_certificates(text, where)
    if len(certificates) != 1:
        raise AttestationError(
            f"holds {len(certificates)} certificates; a trust anchor is exactly one root",
            where=where,
            fix="name a file with only the root certificate",
        )
    return TrustAnchor(name, certificates[0].public_bytes(Encoding.DER), where)


def anchor_from_pem_bytes(text: bytes, name: str) -> TrustAnchor:
    """A root handed over as bytes (a remote simulator's), checked as a PEM file would be."""
    return _anchor_from_bytes(text, name, name)


def aws_root_anchor() -> TrustAnchor:
    """The AWS Nitro Enclaves Root-G1 shipped with nitrodeck, after checking its pin."""
    text = resources.files("core.attestation").joinpath(AWS_ROOT_RESOURCE).read_bytes()
    anchor = _anchor_from_bytes(text, "AWS Nitro Enclaves Root-G1", f"package:{AWS_ROOT_RESOURCE}")
    if anchor.fingerprint != AWS_ROOT_SHA256:
        raise AttestationError(
            f"the bundled AWS root has fingerprint {anchor.fingerprint}, not the pinned "
            f"{AWS_ROOT_SHA256}",
            where=f"package:{AWS_ROOT_RESOURCE}",
            fix="reinstall nitrodeck; the installed copy has been modified",
        )
    return anchor


def sim_root_path(home: Home) -> Path:
    """Where the simulator keeps the root certificate of its simulated Nitro PKI."""
    return home / SIM_ROOT_RELATIVE


def sim_root_anchor(home: Home) -> TrustAnchor:
    """The simulator's root from `<home>/sim/pki/root.pem`.

    An existing root is only read. A missing one is created by the simulated NSM's PKI
    (`core.nsm.pki.SimPki.load_or_create`) when that is installed, else it is a clear error.
    """
    path = sim_root_path(home)
    if not path.exists():
        try:
            pki = importlib.import_module("core.nsm.pki")
        except ImportError:
            pki = None
        if pki is not None:
            pki.SimPki.load_or_create(home.path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise AttestationError(
            "the simulator's root certificate does not exist yet",
            where=str(path),
            fix="start the simulator once (e.g. `nitrodeck --platform sim`) to create its PKI, "
            "or set NITRODECK_HOME to the home the simulator uses",
        ) from None
    except OSError as error:
        raise AttestationError(f"cannot read: {error.strerror}", where=str(path)) from None
    return _anchor_from_bytes(text, "nitrodeck simulator root", str(path))


def anchor_from_pem(path: Path | str) -> TrustAnchor:
    """A trust anchor from a PEM (or DER) file that holds exactly one certificate."""
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as error:
        raise AttestationError(
            f"cannot read the trust anchor: {error.strerror}",
            where=str(path),
            fix="name an existing PEM file, or use --trust aws / --trust sim",
        ) from None
    return _anchor_from_bytes(text, path.name, str(path))


def trust_anchors(
    names: Sequence[str], *, home: Home, default: Sequence[str] = ("aws",)
) -> list[TrustAnchor]:
    """The anchors `names` name: `aws` (the pinned AWS root), `sim` (the root of the simulator
    in `home`) or a PEM file path each; `default` when `names` is empty."""
    anchors: list[TrustAnchor] = []
    for name in names or default:
        if name == "aws":
            anchors.append(aws_root_anchor())
        elif name == "sim":
            anchors.append(sim_root_anchor(home))
        else:
            anchors.append(anchor_from_pem(name))
    return anchors
