"""X.509 certificates shaped like the real Nitro chain, with names that say they are simulated.

Shape per level (docs/attestation.md §9, checked against the real vectors): P-384 keys,
ecdsa-with-SHA384, critical BasicConstraints with pathLen (none / 2 / 1 / 0 / CA:FALSE), critical
KeyUsage on CAs (instance: keyCertSign only), non-critical digitalSignature + nonRepudiation on the
leaf, SKI on CAs, AKI on every CA below the root, CRL distribution points on regional and zonal, and
a leaf with only BasicConstraints and KeyUsage (no AKI, no SKI). Lifetimes: root 30 years, regional
20 days, zonal ~6 days, instance 1 day, leaf 3 h 3 s with serial = enclave id ‖ 0⁴ ‖ issue secs.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SIM_O = "nitrodeck simulator (not Amazon)"
SIM_OU = "nitrodeck SIMULATED"
SIM_LOCALITY = "Simulated"
SIM_ROOT_CN = "nitrodeck-simulator.nitro-enclaves"  # real: aws.nitro-enclaves
SIM_DOMAIN = "sim"  # stands where real names say "aws" (a CN holds at most 64 characters)
CRL_BASE = "http://nitrodeck-simulator.invalid/crl"  # .invalid never resolves (RFC 2606)

ROOT_LIFETIME = dt.timedelta(days=365 * 30)
REGIONAL_LIFETIME = dt.timedelta(days=20, hours=1)
ZONAL_LIFETIME = dt.timedelta(days=5, hours=22)
INSTANCE_LIFETIME = dt.timedelta(days=1)
LEAF_LIFETIME = dt.timedelta(hours=3, seconds=3)
LEAF_BACKDATE = dt.timedelta(seconds=3)  # real leaves: serial seconds = notBefore + 3 s
CA_BACKDATE = dt.timedelta(minutes=5)  # tolerate small clock differences between processes

_CA_USAGE = {"digital_signature": True, "key_cert_sign": True, "crl_sign": True}


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP384R1())


def _name(*parts: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts])


_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def _key_usage(**flags: bool) -> x509.KeyUsage:
    return x509.KeyUsage(**{name: flags.get(name, False) for name in _USAGES})


def _random_serial(length: int) -> int:
    """A positive serial of `length` bytes (top bit clear, so DER needs no sign byte)."""
    return secrets.randbits(length * 8 - 1) | (1 << (length * 8 - 2))


def _builder(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    serial: int,
    start: dt.datetime,
    lifetime: dt.timedelta,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(start + lifetime)
    )


def _ca(
    builder: x509.CertificateBuilder,
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: Issued | None,
    path_length: int | None,
    usage: x509.KeyUsage,
    crl: str | None = None,
) -> Issued:
    """Sign a CA certificate: SKI always, AKI when it has an issuer other than itself."""
    signer = issuer.key if issuer else key
    builder = builder.issuer_name(issuer.cert.subject if issuer else subject)
    builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=path_length), True)
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
    builder = builder.add_extension(
        x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
    )
    builder = builder.add_extension(usage, True)
    if crl:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), False)
    return Issued(builder.sign(signer, hashes.SHA384()), key)


def make_root(now: dt.datetime) -> Issued:
    key = new_key()
    subject = _name(
        (NameOID.COUNTRY_NAME, "US"),
        (NameOID.ORGANIZATION_NAME, SIM_O),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, SIM_OU),
        (NameOID.COMMON_NAME, SIM_ROOT_CN),
    )
    start = now - dt.timedelta(days=1)
    builder = _builder(subject, key, _random_serial(16), start, ROOT_LIFETIME)
    return _ca(builder, subject, key, None, None, _key_usage(**_CA_USAGE))


def make_regional(root: Issued, region: str, now: dt.datetime) -> Issued:
    key = new_key()
    subject = _name(
        (NameOID.COUNTRY_NAME, "US"),
        (NameOID.ORGANIZATION_NAME, SIM_O),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, SIM_OU),
        (NameOID.COMMON_NAME, f"{secrets.token_hex(8)}.{region}.{SIM_DOMAIN}.nitro-enclaves"),
    )
    builder = _builder(subject, key, _random_serial(16), now - CA_BACKDATE, REGIONAL_LIFETIME)
    crl = f"{CRL_BASE}/{uuid.uuid4()}.crl"
    return _ca(builder, subject, key, root, 2, _key_usage(**_CA_USAGE), crl)


def make_zonal(regional: Issued, region: str, now: dt.datetime) -> Issued:
    key = new_key()
    cn = f"{secrets.token_hex(8)}.zonal.{region}.{SIM_DOMAIN}.nitro-enclaves"
    subject = _name(
        (NameOID.COMMON_NAME, cn),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, SIM_OU),
        (NameOID.ORGANIZATION_NAME, SIM_O),
        (NameOID.COUNTRY_NAME, "US"),
        (NameOID.STATE_OR_PROVINCE_NAME, SIM_LOCALITY),
        (NameOID.LOCALITY_NAME, SIM_LOCALITY),
    )
    builder = _builder(subject, key, _random_serial(16), now - CA_BACKDATE, ZONAL_LIFETIME)
    crl = f"{CRL_BASE}/{region}/{uuid.uuid4()}.crl"
    return _ca(builder, subject, key, regional, 1, _key_usage(**_CA_USAGE), crl)


def _host_name(common_name: str) -> x509.Name:
    return _name(
        (NameOID.COUNTRY_NAME, "US"),
        (NameOID.STATE_OR_PROVINCE_NAME, SIM_LOCALITY),
        (NameOID.LOCALITY_NAME, SIM_LOCALITY),
        (NameOID.ORGANIZATION_NAME, SIM_O),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, SIM_OU),
        (NameOID.COMMON_NAME, common_name),
    )


def make_instance(zonal: Issued, instance_id: str, region: str, now: dt.datetime) -> Issued:
    key = new_key()
    subject = _host_name(f"{instance_id}.{region}.{SIM_DOMAIN}.nitro-enclaves")
    builder = _builder(subject, key, _random_serial(20), now - CA_BACKDATE, INSTANCE_LIFETIME)
    return _ca(builder, subject, key, zonal, 0, _key_usage(key_cert_sign=True))


def make_leaf(
    instance: Issued, module_id: str, enclave_uid: int, region: str, now: dt.datetime
) -> Issued:
    """The per-enclave signing certificate: only BasicConstraints and KeyUsage, like AWS's."""
    key = new_key()
    issued_at = now.replace(microsecond=0)
    serial = (enclave_uid << 64) | (int(issued_at.timestamp()) & 0xFFFFFFFF)
    cert = (
        _builder(
            _host_name(f"{module_id}.{region}.{SIM_DOMAIN}"),
            key,
            serial,
            issued_at - LEAF_BACKDATE,
            LEAF_LIFETIME,
        )
        .issuer_name(instance.cert.subject)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(_key_usage(digital_signature=True, content_commitment=True), False)
        .sign(instance.key, hashes.SHA384())
    )
    return Issued(cert, key)
