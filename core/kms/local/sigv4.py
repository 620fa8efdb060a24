"""AWS Signature Version 4 verification for the local KMS, answering failures as AWS does.

The server recomputes the signature from the request it received (method, path, query, the
signed headers, the body hash) with the secret of the access key named in the credential scope.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from core.kms.local.credentials import Credentials
from core.kms.local.errors import KmsError

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
_AUTH = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
REGION = re.compile(r"([a-z]+-){2,3}\d+")
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _canonical_query(query: str) -> str:
    pairs = []
    for part in filter(None, query.split("&")):
        name, _, value = part.partition("=")
        pairs.append((quote(name, safe="-_.~%"), quote(value, safe="-_.~%")))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def signature(
    secret: str,
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    signed_headers: list[str],
    body: bytes,
    amz_date: str,
    scope: str,
) -> str:
    """The hex SigV4 signature of a request (headers keyed by lower-case name)."""
    canonical_headers = "".join(
        f"{name}:{' '.join(headers.get(name, '').split())}\n" for name in signed_headers
    )
    canonical = "\n".join(
        [
            method,
            path or "/",
            _canonical_query(query),
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    return hmac.new(_signing_key(secret, scope), to_sign.encode(), hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=32)
def _signing_key(secret: str, scope: str) -> bytes:
    """The derived key of one secret and credential scope (a day and region): the same for
    every request a client signs that day, so derived once."""
    date, region, service, terminator = scope.split("/")
    key = _hmac(("AWS4" + secret).encode(), date)
    for part in (region, service, terminator):
        key = _hmac(key, part)
    return key


def verify(
    credentials: Credentials | Iterable[Credentials],
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime | None = None,
) -> Credentials:
    """The signer among `credentials`, or the KmsError AWS would send for a missing, unknown,
    stale or wrong signature."""
    authorization = headers.get("authorization")
    if not authorization:
        raise KmsError("MissingAuthenticationTokenException", "Missing Authentication Token")
    match = _AUTH.match(authorization.strip())
    if not match:
        raise KmsError(
            "IncompleteSignatureException",
            f"Authorization header requires "
            f"'{ALGORITHM} Credential=…, SignedHeaders=…, Signature=…'.",
        )
    access_key, _, scope = match["credential"].partition("/")
    ring = [credentials] if isinstance(credentials, Credentials) else list(credentials)
    signer = next((c for c in ring if c.access_key_id == access_key), None)
    if signer is None:
        raise KmsError(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    if (
        scope.count("/") != 3
        or not scope.endswith("/kms/aws4_request")
        or not REGION.fullmatch(scope.split("/")[1])
    ):
        raise KmsError(
            "InvalidSignatureException",
            f"Credential should be scoped to a valid region and the service kms, found {scope!r}.",
        )
    signed = match["headers"].split(";")
    if "host" not in signed:
        raise KmsError("InvalidSignatureException", "'Host' must be a 'SignedHeader'.")
    amz_date = headers.get("x-amz-date", "")
    try:
        when = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise KmsError(
            "IncompleteSignatureException", "X-Amz-Date header is missing or invalid."
        ) from None
    now = now or datetime.now(UTC)
    if abs(now - when) > MAX_SKEW:
        raise KmsError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is now earlier "
            f"than {(now - MAX_SKEW):%Y%m%dT%H%M%SZ} ({now:%Y%m%dT%H%M%SZ} - 15 min.)",
        )
    expected = signature(
        signer.secret_access_key,
        method=method,
        path=path,
        query=query,
        headers=headers,
        signed_headers=signed,
        body=body,
        amz_date=amz_date,
        scope=scope,
    )
    if not hmac.compare_digest(expected, match["signature"]):
        raise KmsError("InvalidSignatureException", MISMATCH)
    return signer


def scope_region(headers: Mapping[str, str]) -> str:
    """The region in the credential scope of a request `verify` has accepted."""
    match = _AUTH.match(headers.get("authorization", "").strip())
    if match is None:
        raise KmsError("IncompleteSignatureException", "no credential scope")
    return match["credential"].split("/")[2]
