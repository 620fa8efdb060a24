"""Keys of a KMS (local or AWS) with their aliases and the audit's verdict on their pin.

The verdict (`core.kms.audit`) reads the key policy and every grant: a policy that pins PCR0 is
not "pinned" while a grant or an unattested statement reaches the plaintext anyway.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.errors import NitrodeckError, PolicyError
from core.home import Home
from core.kms.audit import KeyAudit, audit_key
from core.kms.context import RECIPIENT_PREFIX
from core.kms.errors import kms_error
from core.kms.local.credentials import PROFILE, REGION, credentials_path
from core.kms.local.credentials import load_or_create as load_credentials
from core.kms.policy_model import parse_policy


@dataclass(frozen=True)
class KeySummary:
    key_id: str
    arn: str
    aliases: tuple[str, ...]
    description: str
    pinned_keys: tuple[str, ...]  # kms:RecipientAttestation:* keys its Allow statements test
    audit: KeyAudit  # every path to the plaintext: the verdict "pinned" comes from here
    state: str = "Enabled"  # KeyState: Enabled, Disabled, PendingDeletion, …

    def to_json(self) -> dict[str, Any]:
        return {
            "KeyId": self.key_id,
            "Arn": self.arn,
            "Aliases": list(self.aliases),
            "Description": self.description,
            "PinsAttestation": self.audit.verdict == "pinned",
            "Attestation": self.audit.verdict,
            "AttestationKeys": list(self.pinned_keys),
            "Audit": self.audit.to_json(),
            "KeyState": self.state,
        }


def endpoint_file(home: Home) -> Path:
    return home.kms_dir / "endpoint"


def _is_loopback(endpoint: str) -> bool:
    host = urlparse(endpoint).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_or_running(endpoint_url: str | None, home: Home) -> str:
    """`endpoint_url`, else the endpoint the running local KMS of `home` recorded."""
    if endpoint_url is None and endpoint_file(home).exists():
        endpoint_url = endpoint_file(home).read_text().strip()
    if endpoint_url is None:
        raise NitrodeckError(
            "no KMS endpoint: the local KMS is not running and none was given",
            where="--endpoint-url",
            fix="start `nitrodeck kms serve`, or pass --endpoint-url",
        )
    return endpoint_url


def client(endpoint_url: str | None, home: Home) -> Any:
    """A boto3 KMS client: the local KMS (its own credentials) when the endpoint is loopback or
    omitted (the endpoint `kms serve` recorded), else AWS through boto3's usual chain; key
    administration signs as the administrator instead (`core.kms.manage.admin_for`)."""
    endpoint_url = endpoint_or_running(endpoint_url, home)
    if _is_loopback(endpoint_url):
        return local_client(endpoint_url, credentials_path(home))
    return boto3.client("kms", endpoint_url=endpoint_url)


def local_client(
    endpoint_url: str,
    credentials_file: Path,
    config: Config | None = None,
    profile: str = PROFILE,
) -> Any:
    """A boto3 KMS client signed with the local KMS's credentials (`credentials_path(home)`)."""
    creds = load_credentials(credentials_file, profile)
    return boto3.client(
        "kms",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        config=config,
    )


def pinned_keys(policy_text: str) -> tuple[str, ...]:
    """The attestation condition keys tested by the policy's Allow statements."""
    try:
        policy = parse_policy(policy_text)
    except PolicyError:
        return ()
    found = {
        key
        for statement in policy.statements
        if statement.effect == "Allow"
        for _, entries in statement.conditions
        for key, _ in entries
        if key.lower().startswith(RECIPIENT_PREFIX.lower())
    }
    return tuple(sorted(found))


@contextmanager
def _kms_errors(kms: Any, action: str = "call", key: str | None = None) -> Iterator[None]:
    """boto3 failures as NitrodeckErrors that say what KMS answered and where."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise kms_error(error, action=action, where=str(kms.meta.endpoint_url), key=key) from None


def key_policy(kms: Any, key_id: str) -> tuple[str, str]:
    """The key's policy text and ARN (GetKeyPolicy, DescribeKey)."""
    with _kms_errors(kms, "DescribeKey/GetKeyPolicy", key_id):
        arn = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
        # GetKeyPolicy takes a key ID or ARN only (AWS refuses an alias): ask by the ARN
        return kms.get_key_policy(KeyId=arn, PolicyName="default")["Policy"], arn


def key_grants(kms: Any, key_id: str) -> list[dict[str, Any]] | None:
    """Every grant of the key (ListGrants, all pages); None when the caller may not list them."""
    grants: list[dict[str, Any]] = []
    extra: dict[str, str] = {}
    while True:
        try:
            page = kms.list_grants(KeyId=key_id, **extra)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "AccessDeniedException":
                return None
            raise kms_error(error, action="ListGrants", where=str(kms.meta.endpoint_url)) from None
        grants += page.get("Grants", [])
        if not page.get("Truncated") or not page.get("NextMarker"):
            return grants
        extra = {"Marker": page["NextMarker"]}


def list_keys(kms: Any, grants_kms: Any = None) -> list[KeySummary]:
    """Every key with aliases and its audit (GetKeyPolicy and ListGrants per key); the grants
    are listed through `grants_kms` when given (the key administrator may list them where the
    parent's principal may not)."""
    with _kms_errors(kms, "ListKeys"):
        aliases: dict[str, list[str]] = {}
        for page in kms.get_paginator("list_aliases").paginate():
            for alias in page["Aliases"]:
                if "TargetKeyId" in alias:
                    aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
        out = []
        for page in kms.get_paginator("list_keys").paginate():
            for key in page["Keys"]:
                meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
                policy = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
                grants = key_grants(grants_kms or kms, key["KeyArn"])
                out.append(
                    KeySummary(
                        key_id=key["KeyId"],
                        arn=key["KeyArn"],
                        aliases=tuple(sorted(aliases.get(key["KeyId"], []))),
                        description=meta.get("Description", ""),
                        pinned_keys=pinned_keys(policy),
                        audit=audit_key(policy, grants, key_arn=key["KeyArn"]),
                        state=meta.get("KeyState", "Enabled"),
                    )
                )
        return out


kms_errors = _kms_errors  # for the other KMS command modules
