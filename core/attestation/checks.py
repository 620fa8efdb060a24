"""The named verification checks, in the order a relying party should read them.

Each check is one small function of a `Context` returning one `Check`; a failing check says what
differs and the likely cause, so an operator knows what to do without reading the spec.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA384

from core.attestation.cbor import encode_head
from core.attestation.certs import CertInfo, format_duration, iso
from core.attestation.chain import ChainResult
from core.attestation.document import AttestationDocument, limit_violations
from core.attestation.expectations import Expectations
from core.attestation.pcr_causes import pcr_mismatch
from core.attestation.trust import TrustAnchor
from core.checks import Check, CheckStatus

PASS, FAIL, WARN, SKIP = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.WARN, CheckStatus.SKIP
ES384 = -35
DEBUG_PCRS = (0, 1, 2)
HINT_FRESH = "documents are valid for about 3 hours; fetch a fresh one"


class Context(NamedTuple):
    """Everything the checks look at: the document, the parsed certificates, the chain result."""

    doc: AttestationDocument
    at: datetime
    expect: Expectations
    leaf: CertInfo | str
    cabundle: tuple[CertInfo | str, ...]
    chain: ChainResult
    anchors: tuple[TrustAnchor, ...]
    root: CertInfo | str | None
    stamp: datetime | None  # the document timestamp (None when out of range)


def document_time(doc: AttestationDocument) -> datetime | None:
    """The document timestamp as an aware UTC datetime (None when it is out of range)."""
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=doc.timestamp_ms)
    except OverflowError:
        return None


def is_debug_mode(doc: AttestationDocument) -> bool:
    """PCR0, PCR1 and PCR2 all present and all zero: what debug-mode enclaves attest."""
    return all(index in doc.pcrs and not any(doc.pcrs[index]) for index in DEBUG_PCRS)


def check_structure(ctx: Context) -> Check:
    problems = limit_violations(ctx.doc)
    if problems:
        return Check("structure", FAIL, "\n".join(problems), "the NSM never produces this")
    form = "indefinite" if ctx.doc.indefinite_payload else "definite"
    tag = "tagged" if ctx.doc.tagged else "untagged"
    evidence = f"{tag} COSE_Sign1, {form}-length payload map, every field within its limits"
    if ctx.doc.unknown_keys:
        keys = ", ".join(ctx.doc.unknown_keys)
        return Check("structure", WARN, f"{evidence}; unknown payload keys: {keys}")
    return Check("structure", PASS, evidence)


def check_algorithm(ctx: Context) -> Check:
    alg = ctx.doc.algorithm
    if alg == ES384 or alg == "ES384":
        return Check(
            "algorithm", PASS, f"protected header alg {alg} = ES384 (ECDSA P-384, SHA-384)"
        )
    found = "no alg" if alg is None else f"alg {alg!r}"
    return Check(
        "algorithm", FAIL, f"protected header has {found}, not ES384 (-35)", "the NSM signs ES384"
    )


def sig_structure(doc: AttestationDocument) -> bytes:
    """RFC 8152 Sig_structure over the received protected header and payload bytes."""
    return b"".join(
        (
            b"\x84\x6aSignature1",
            encode_head(2, len(doc.protected)),
            doc.protected,
            b"\x40",
            encode_head(2, len(doc.payload)),
            doc.payload,
        )
    )


def check_signature(ctx: Context) -> Check:
    if isinstance(ctx.leaf, str):
        return Check("signature", FAIL, f"the leaf certificate is {ctx.leaf}", HINT_FRESH)
    key = ctx.leaf.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp384r1":
        return Check("signature", FAIL, "the leaf key is not EC P-384", "the NSM signs with P-384")
    if len(ctx.doc.signature) != 96:
        return Check(
            "signature", FAIL, f"signature is {len(ctx.doc.signature)} bytes, not 96 (r ‖ s)"
        )
    r = int.from_bytes(ctx.doc.signature[:48], "big")
    s = int.from_bytes(ctx.doc.signature[48:], "big")
    try:
        key.verify(encode_dss_signature(r, s), sig_structure(ctx.doc), ec.ECDSA(SHA384()))
    except InvalidSignature:
        return Check(
            "signature",
            FAIL,
            "the ES384 signature does not match the protected header and payload under the "
            "leaf certificate's key",
            "the document was altered after the NSM signed it: do not trust any of its fields",
        )
    return Check("signature", PASS, "ES384 signature valid under the leaf certificate's key")


def check_chain(ctx: Context) -> Check:
    status = PASS if ctx.chain.ok else FAIL
    return Check("chain", status, ctx.chain.evidence, ctx.chain.hint)


def _validity_subjects(ctx: Context) -> list[tuple[int, CertInfo]]:
    """(position, certificate): -1 for the leaf, 0 for the root, else the cabundle index."""
    named: list[tuple[int, CertInfo | str | None]] = [(-1, ctx.leaf)]
    named += list(enumerate(ctx.cabundle))[1:]
    named.append((0, ctx.root))
    return [(position, info) for position, info in named if isinstance(info, CertInfo)]


def _label(position: int, info: CertInfo) -> str:
    """How a report names a certificate (computed only for the ones it mentions)."""
    if position < 0:
        return "the leaf certificate"
    if position == 0:
        return "the root certificate"
    return f"the CA certificate cabundle[{position}] ({info.common_name})"


def check_validity(ctx: Context) -> Check:
    certs = _validity_subjects(ctx)
    if isinstance(ctx.leaf, str):
        return Check("validity", FAIL, "cannot check: the leaf is not a certificate", HINT_FRESH)
    at = ctx.at
    expired = [(position, i) for position, i in certs if at > i.not_after]
    early = [(position, i) for position, i in certs if at < i.not_before]
    if expired:
        position, info = min(expired, key=lambda pair: pair[1].not_after)
        label = _label(position, info)
        gap = format_duration((ctx.at - info.not_after).total_seconds())
        others = [f"{_label(p, o)} at {iso(o.not_after)}" for p, o in expired if o is not info]
        more = "".join(f"\nalso expired: {other}" for other in others)
        hint = (
            HINT_FRESH if info is ctx.leaf else "the document's CA chain expired; fetch a fresh one"
        )
        return Check(
            "validity",
            FAIL,
            f"{label} expired at {iso(info.not_after)}, {gap} before the verification time "
            f"{iso(at)}{more}",
            hint,
        )
    if early:
        position, info = max(early, key=lambda pair: pair[1].not_before)
        label = _label(position, info)
        gap = format_duration((info.not_before - ctx.at).total_seconds())
        return Check(
            "validity",
            FAIL,
            f"{label} is valid only from {iso(info.not_before)}, {gap} after the verification "
            f"time {iso(at)}",
            "this machine's clock (or --at) is behind: fix the clock or pass the right time",
        )
    left = format_duration((ctx.leaf.not_after - ctx.at).total_seconds())
    return Check(
        "validity",
        PASS,
        f"all {len(certs)} certificates are valid; the leaf expires at "
        f"{iso(ctx.leaf.not_after)} (in {left})",
    )


def check_anchor(ctx: Context) -> Check:
    first = ctx.cabundle[0] if ctx.cabundle else "missing"
    if isinstance(first, str):
        return Check("anchor", FAIL, f"cabundle[0] is {first}", "fetch a fresh document")
    for anchor in ctx.anchors:
        if first.der == anchor.der:
            return Check(
                "anchor", PASS, f"cabundle[0] is {anchor.name}, SHA-256 {anchor.fingerprint}"
            )
    for anchor in ctx.anchors:
        if first.subject == anchor.subject:
            return Check(
                "anchor",
                FAIL,
                f"cabundle[0] has the subject of {anchor.name} ({anchor.subject}) but SHA-256 "
                f"{first.fingerprint}, not the pinned {anchor.fingerprint}: a look-alike root",
                "someone re-signed this document's chain with their own root: do not trust it",
            )
    trusted = ", ".join(f"{a.name} ({a.fingerprint[:16]}…)" for a in ctx.anchors) or "none"
    return Check(
        "anchor",
        FAIL,
        f"cabundle[0] ({first.subject}, SHA-256 {first.fingerprint[:16]}…) is not a trusted "
        f"anchor; trusted: {trusted}",
        "use --trust aws for real enclaves, --trust sim for the simulator, or name the root PEM",
    )


def check_leaf_usage(ctx: Context) -> Check:
    if isinstance(ctx.leaf, str):
        return Check("leaf_usage", FAIL, f"the leaf certificate is {ctx.leaf}", HINT_FRESH)
    problems = _leaf_problems(ctx.leaf.certificate)
    if problems:
        return Check("leaf_usage", FAIL, "\n".join(problems), "the leaf cannot sign documents")
    return Check(
        "leaf_usage", PASS, "end-entity certificate with digitalSignature, ecdsa-with-SHA384"
    )


@functools.lru_cache(maxsize=256)
def _leaf_problems(cert: x509.Certificate) -> tuple[str, ...]:
    """What keeps a leaf from signing documents: a property of the certificate alone, so an
    enclave's documents (one leaf for hours) work it out once."""
    problems: list[str] = []
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.digital_signature:
            problems.append("KeyUsage lacks digitalSignature")
    except x509.ExtensionNotFound:
        problems.append("no KeyUsage extension")
    try:
        if cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            problems.append("BasicConstraints says CA:TRUE")
    except x509.ExtensionNotFound:
        pass
    if cert.signature_algorithm_oid != x509.SignatureAlgorithmOID.ECDSA_WITH_SHA384:
        problems.append(
            f"signed with {cert.signature_algorithm_oid.dotted_string}, not ecdsa-with-SHA384"
        )
    return tuple(problems)


def check_debug_mode(ctx: Context) -> Check:
    if is_debug_mode(ctx.doc):
        return Check(
            "debug_mode",
            WARN,
            "PCR0 is all zeros: the enclave runs in debug mode, so no policy that pins PCR0 "
            "will match",
            "launch without --debug-mode",
        )
    return Check("debug_mode", PASS, "PCR0, PCR1 and PCR2 are measured: not a debug-mode enclave")


def _compare(name: str, expected: bytes | None, actual: bytes | None, hint: str) -> Check:
    if expected is None:
        return Check(name, SKIP, f"no expected {name} given")
    if actual == expected:
        return Check(name, PASS, f"{name} matches ({len(expected)} bytes)")
    shown = "null" if actual is None else f"{actual.hex()[:32]}… ({len(actual)} bytes)"
    return Check(
        name, FAIL, f"expected {expected.hex()[:32]}… ({len(expected)} bytes), found {shown}", hint
    )


def check_nonce(ctx: Context) -> Check:
    hint = "the document was not made for this request (a replay?): request one with this nonce"
    return _compare("nonce", ctx.expect.nonce, ctx.doc.nonce, hint)


def check_user_data(ctx: Context) -> Check:
    hint = "the enclave put other user data in the document than expected"
    return _compare("user_data", ctx.expect.user_data, ctx.doc.user_data, hint)


def check_public_key(ctx: Context) -> Check:
    hint = "the document binds another key: anything encrypted to it reaches someone else"
    return _compare("public_key", ctx.expect.public_key, ctx.doc.public_key, hint)


def check_pcrs(ctx: Context) -> Check:
    expected = ctx.expect.pcrs
    if not expected:
        return Check("pcrs", SKIP, "no expected PCRs given")
    mismatches = [
        text
        for index, value in sorted(expected.items())
        if (text := pcr_mismatch(index, value, ctx.doc.pcrs.get(index), is_debug_mode(ctx.doc)))
    ]
    if mismatches:
        return Check(
            "pcrs", FAIL, "\n".join(m[0] for m in mismatches), "\n".join(m[1] for m in mismatches)
        )
    names = ", ".join(f"PCR{index}" for index in sorted(expected))
    return Check("pcrs", PASS, f"{names} match")


def check_age(ctx: Context) -> Check:
    limit = ctx.expect.max_age_s
    if limit is None:
        return Check("age", SKIP, "no maximum age given")
    stamp = ctx.stamp
    if stamp is None:
        return Check("age", FAIL, f"timestamp {ctx.doc.timestamp_ms} is out of range")
    age = (ctx.at - stamp).total_seconds()
    if age > limit:
        return Check(
            "age",
            FAIL,
            f"the document is {format_duration(age)} old, more than the allowed "
            f"{format_duration(limit)}",
            "request a fresh document from the enclave",
        )
    return Check(
        "age",
        PASS,
        f"the document is {format_duration(age)} old (allowed {format_duration(limit)})",
    )


def check_clock_skew(ctx: Context) -> Check:
    stamp = ctx.stamp
    if stamp is None:
        return Check("clock_skew", FAIL, f"timestamp {ctx.doc.timestamp_ms} is out of range")
    ahead = (stamp - ctx.at).total_seconds()
    allowance = ctx.expect.clock_skew_s
    if ahead > allowance:
        return Check(
            "clock_skew",
            FAIL,
            f"the document timestamp {iso(stamp)} is {format_duration(ahead)} after the "
            f"verification time {iso(ctx.at)}, beyond the {format_duration(allowance)} allowance",
            "this machine's clock (or --at) is behind the enclave's: fix the clock (NTP)",
        )
    when = "after" if ahead > 0 else "before"
    return Check(
        "clock_skew",
        PASS,
        f"timestamp {iso(stamp)} is {format_duration(ahead)} {when} the verification time",
    )


CHECKS: tuple[tuple[str, Callable[[Context], Check]], ...] = (
    ("structure", check_structure),
    ("algorithm", check_algorithm),
    ("signature", check_signature),
    ("chain", check_chain),
    ("validity", check_validity),
    ("anchor", check_anchor),
    ("leaf_usage", check_leaf_usage),
    ("debug_mode", check_debug_mode),
    ("nonce", check_nonce),
    ("user_data", check_user_data),
    ("public_key", check_public_key),
    ("pcrs", check_pcrs),
    ("age", check_age),
    ("clock_skew", check_clock_skew),
)
