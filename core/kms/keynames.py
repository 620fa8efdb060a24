"""Condition-key spelling checks: the keys KMS really puts in a request, and near misses.

A misspelled key is never present in any request, so a condition on it silently never holds
(or, under `Null: true`, always holds): the root cause of aws/aws-nitro-enclaves-sdk-c#157, where
a Deny on `Null {"kms:RecipientAttestation": "true"}` denied every enclave.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from core.kms.context import IMAGE_SHA384, RECIPIENT_PREFIX

KNOWN_KEYS = (
    IMAGE_SHA384,
    "kms:CallerAccount",
    "kms:ViaService",
    "kms:EncryptionContextKeys",
    "kms:EncryptionAlgorithm",
    "kms:GrantIsForAWSResource",
    "kms:GrantOperations",
    "kms:GranteePrincipal",
    "kms:RetiringPrincipal",
    "kms:GrantConstraintType",
    "kms:KeySpec",
    "kms:KeyOrigin",
    "kms:KeyUsage",
    "kms:RequestAlias",
    "kms:ResourceAliases",
    "kms:BypassPolicyLockoutSafetyCheck",
    "kms:SigningAlgorithm",
    "kms:MessageType",
    "kms:MacAlgorithm",
    "kms:KeyAgreementAlgorithm",
    "kms:RotationPeriodInDays",
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalType",
    "aws:SourceIp",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SecureTransport",
    "aws:CurrentTime",
    "aws:userid",
    "aws:username",
)
PATTERNS = (
    re.compile(r"^kms:RecipientAttestation:PCR([0-9]|[12][0-9]|3[01])$", re.IGNORECASE),
    re.compile(r"^kms:RecipientAttestation:NitroTPMPCR([0-9]|1[0-9]|2[0-3])$", re.IGNORECASE),
    re.compile(r"^kms:EncryptionContext:.+$", re.IGNORECASE),
    re.compile(r"^aws:(PrincipalTag|ResourceTag|RequestTag)/.+$", re.IGNORECASE),
)
MEASUREMENT = re.compile(r"(PCR\d+|ImageSha\d*)$", re.IGNORECASE)


@dataclass(frozen=True)
class KeyProblem:
    key: str
    is_cause: bool
    message: str
    fix: str


def canonical(key: str) -> str | None:
    """The canonical spelling of `key` if KMS knows it (names are case-insensitive), else None."""
    for known in KNOWN_KEYS:
        if known.lower() == key.lower():
            return known
    for pattern in PATTERNS:
        match = pattern.match(key)
        if match:
            if key.lower().startswith(RECIPIENT_PREFIX.lower()):
                suffix = key[len(RECIPIENT_PREFIX) :]
                name = "NitroTPMPCR" if suffix.lower().startswith("nitrotpm") else "PCR"
                return f"{RECIPIENT_PREFIX}{name}{int(match.group(1))}"
            return key
    return None


def check_key(key: str) -> KeyProblem | None:
    """What is wrong with the spelling of condition key `key`, if anything."""
    known = canonical(key)
    if known is not None:
        if known != key and not key.lower().startswith("kms:encryptioncontext:"):
            return KeyProblem(
                key,
                False,
                f"condition key {key!r} differs from the documented {known!r} only in case; "
                "AWS compares key names case-insensitively, so this alone denies nothing",
                f"write it as {known} so that people and tools reading the policy agree",
            )
        return None
    tail = MEASUREMENT.search(key)
    if key.rstrip(":").lower() == RECIPIENT_PREFIX.rstrip(":").lower():
        message = (
            f"{key!r} is not a condition key: KMS sets only {IMAGE_SHA384} and "
            f"{RECIPIENT_PREFIX}PCR<n>, so this key is absent from every request"
        )
        fix = f'test a real key, e.g. Null {{"{IMAGE_SHA384}": "true"}}'
    elif key.lower().startswith(RECIPIENT_PREFIX.lower()):
        message = f"{key!r} is not a key KMS sets (misspelled), so it is absent from every request"
        fix = f"use {IMAGE_SHA384} or {RECIPIENT_PREFIX}PCR<n> with n in 0..31"
    elif tail:
        message = (
            f"{key!r} names a measurement under the wrong prefix: KMS puts enclave measurements "
            f"only under {RECIPIENT_PREFIX}, so this key is absent from every request"
        )
        name = tail.group(1)
        right = (
            IMAGE_SHA384
            if name.lower().startswith("imagesha")
            else f"{RECIPIENT_PREFIX}{name.upper()}"
        )
        fix = f"use {right}"
    else:
        close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.8)
        if not close:
            return None
        message = f"{key!r} is not a documented condition key; it looks like {close[0]!r}"
        fix = f"use {close[0]}"
    return KeyProblem(key, True, message, fix)
