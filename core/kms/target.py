"""Which KMS the parent talks to: real AWS (boto3's usual chain) or the embedded local KMS.

The local KMS signs with its own credentials file (profile `nitrodeck-local`) and runs as a
daemon under the home; AWS uses whatever boto3 finds (environment, profile, instance role).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import NitrodeckError
from core.home import Home
from core.kms.local.credentials import (
    ADMIN_PRINCIPAL_ARN,
    ADMIN_PROFILE,
    PRINCIPAL_ARN,
    PROFILE,
    REGION,
    credentials_path,
)
from core.kms.local.credentials import load_or_create as load_credentials
from core.kms.local.daemon import ensure_local_kms

LOCAL_REGION = REGION


@dataclass(frozen=True)
class KmsTarget:
    """Where KMS requests go; `credentials_file` is set only for the local KMS."""

    endpoint_url: str | None = None
    region: str | None = None
    credentials_file: Path | None = None

    @property
    def local(self) -> bool:
        return self.credentials_file is not None

    def describe(self) -> str:
        if self.local:
            return f"local KMS at {self.endpoint_url}"
        where = self.endpoint_url or f"AWS KMS ({self.region or 'default region'})"
        return str(where)


def local_target(home: Home, endpoint_url: str | None = None) -> KmsTarget:
    """The home's local KMS, started as a daemon when `endpoint_url` is not given."""
    endpoint = endpoint_url or ensure_local_kms(home)
    return KmsTarget(endpoint, LOCAL_REGION, credentials_path(home))


def resolve_target(endpoint_url: str | None, *, local: bool, home: Home) -> KmsTarget:
    """`--endpoint-url` wins; else the local KMS when `local`, else AWS through boto3's chain.

    An explicit endpoint is treated as the local KMS when this home's credentials file exists
    and the URL is loopback, because only the local KMS accepts those credentials.
    """
    credentials = credentials_path(home)
    if endpoint_url is not None:
        loopback = any(h in endpoint_url for h in ("://127.0.0.1", "://localhost", "://[::1]"))
        if loopback and credentials.exists():
            return KmsTarget(endpoint_url, LOCAL_REGION, credentials)
        return KmsTarget(endpoint_url)
    if local:
        return local_target(home)
    return KmsTarget(region=instance_region())


def instance_region() -> str | None:
    """The parent instance's region from IMDSv2 when boto3 has none configured (on a parent,
    nothing but the instance says which region its KMS is in); None otherwise."""
    import boto3

    from core.platform.nitro.imds import ImdsClient, ImdsUnavailable

    if boto3.session.Session().region_name:
        return None
    try:
        return ImdsClient().identity().region or None
    except ImdsUnavailable:
        return None


def boto3_client(target: KmsTarget, service: str = "kms", *, profile: str = PROFILE) -> Any:
    """A boto3 client for `service` ("kms" or "sts") aimed at `target`; on the local KMS it
    signs as `profile` (the parent's principal by default, `ADMIN_PROFILE` to administer)."""
    import boto3

    kwargs: dict[str, Any] = {}
    if target.endpoint_url and service == "kms":
        kwargs["endpoint_url"] = target.endpoint_url
    if target.region:
        kwargs["region_name"] = target.region
    if target.credentials_file is not None:
        creds = load_credentials(target.credentials_file, profile)
        kwargs["aws_access_key_id"] = creds.access_key_id
        kwargs["aws_secret_access_key"] = creds.secret_access_key
    session = boto3.session.Session()
    client: Any = session.client(service, **kwargs)  # type: ignore[call-overload]
    return client


def caller_principal(target: KmsTarget) -> str:
    """The caller's ARN: the local principal, or `sts get-caller-identity` on AWS."""
    if target.local:
        return PRINCIPAL_ARN
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        arn: str = boto3_client(target, "sts").get_caller_identity()["Arn"]
    except (BotoCoreError, ClientError) as error:
        raise NitrodeckError(
            f"cannot learn the caller's identity (sts get-caller-identity): {error}",
            fix="configure AWS credentials (environment, profile or instance role)",
        ) from None
    return arn


@dataclass(frozen=True)
class DemoRoles:
    """Who administers a demo key (and the client signed as them), and who decrypts with it."""

    client: Any
    admin: str
    decryptor: str


def session_role(arn: str) -> str:
    """An assumed-role session ARN (what STS reports) as its role ARN, which policies name."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        role = parts[5].split("/")[1]
        return f"arn:aws:iam::{parts[4]}:role/{role}"
    return arn


def demo_roles(target: KmsTarget, decrypt_principal: str | None = None) -> DemoRoles:
    """The local KMS's two principals, or on AWS: you administer, `decrypt_principal` decrypts.

    On AWS the caller is usually the parent instance itself; a key it administers and decrypts
    with pins nothing, so the decrypting principal must be named and must be someone else.
    """
    if target.local:
        return DemoRoles(
            boto3_client(target, profile=ADMIN_PROFILE),
            ADMIN_PRINCIPAL_ARN,
            decrypt_principal or PRINCIPAL_ARN,
        )
    admin = session_role(caller_principal(target))
    if not decrypt_principal:
        raise NitrodeckError(
            "on AWS the demo key needs the principal that will decrypt, apart from you "
            f"({admin}), who administers it",
            where="--decrypt-principal",
            fix="pass the parent instance's role ARN, e.g. "
            "--decrypt-principal arn:aws:iam::111122223333:role/enclave-parent",
        )
    return DemoRoles(boto3_client(target), admin, decrypt_principal)
