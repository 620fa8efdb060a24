"""What the relying party expects of a document: PCRs, nonce, user data, key, freshness.

Expected PCRs come from the user, from an EIF (measured by `core.eif`) or from a KMS key policy,
whose `kms:RecipientAttestation:*` conditions are exactly the PCRs KMS will demand: verifying a
document against the policy tells an operator before the Decrypt call whether KMS will agree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import PolicyError, UsageError

DEFAULT_CLOCK_SKEW_S = 300.0
_CONDITION_KEY = re.compile(r"kms:recipientattestation:(imagesha384|pcr(\d{1,2}))", re.IGNORECASE)
_EQUALITY = {"stringequals", "stringequalsignorecase"}


@dataclass(frozen=True)
class Expectations:
    """Values the document must carry; None (or an empty dict) means "not checked"."""

    pcrs: dict[int, bytes] = field(default_factory=dict)
    nonce: bytes | None = None
    user_data: bytes | None = None
    public_key: bytes | None = None
    max_age_s: float | None = None
    clock_skew_s: float = DEFAULT_CLOCK_SKEW_S


def _statements(policy: dict[str, Any]) -> list[Any]:
    statements = policy.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _operator(name: str) -> str:
    """'ForAnyValue:StringEqualsIgnoreCase' → 'stringequalsignorecase'."""
    return name.rsplit(":", 1)[-1].lower()


def _pcr_index(key: str) -> int | None:
    match = _CONDITION_KEY.fullmatch(key)
    if match is None:
        return None
    return 0 if match.group(2) is None else int(match.group(2))


def _digest(value: object, where: str) -> bytes:
    text = value if isinstance(value, str) else ""
    try:
        digest = bytes.fromhex(text)
    except ValueError:
        digest = b""
    if not digest or len(text) > 128:
        raise PolicyError(
            f"{value!r} is not a hex PCR value",
            where=where,
            fix="write the PCR as lower-case hex (96 characters for SHA-384)",
        )
    return digest


def policy_expectations(policy: dict[str, Any]) -> dict[int, bytes]:
    """PCRs pinned by the Allow statements' `kms:RecipientAttestation:*` equality conditions.

    ImageSha384 is PCR0. A PCR allowed with several different values cannot be one expectation,
    so that is a `PolicyError`; other operators (StringLike, …) pin nothing and are ignored.
    """
    found: dict[int, tuple[bytes, str]] = {}
    for number, statement in enumerate(_statements(policy)):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        conditions = statement.get("Condition") or {}
        if not isinstance(conditions, dict):
            continue
        for operator, pairs in conditions.items():
            if _operator(str(operator)) not in _EQUALITY or not isinstance(pairs, dict):
                continue
            for key, values in pairs.items():
                index = _pcr_index(str(key))
                if index is None:
                    continue
                where = f"Statement[{number}].Condition.{operator}.{key}"
                for value in values if isinstance(values, list) else [values]:
                    digest = _digest(value, where)
                    previous = found.setdefault(index, (digest, where))
                    if previous[0] != digest:
                        raise PolicyError(
                            f"PCR{index} is allowed with two values ({previous[0].hex()[:16]}… "
                            f"at {previous[1]} and {digest.hex()[:16]}…)",
                            where=where,
                            fix=f"pass the PCR{index} you expect with --expect-pcr {index}=HEX",
                        )
    return {index: digest for index, (digest, _) in sorted(found.items())}


def eif_expectations(path: Path) -> dict[int, bytes]:
    """PCR0/1/2 (and 8 when the EIF is signed) measured from an EIF file by `core.eif`."""
    try:
        from core.eif import measure_eif
    except ImportError:
        raise UsageError(
            "this build of nitrodeck cannot measure EIF files (core.eif.measure_eif is missing)",
            where=str(path),
            fix="pass the PCRs with --expect-pcr N=HEX (nitro-cli describe-eif prints them)",
        ) from None
    measured = measure_eif(path)
    pcrs = {0: measured.pcr0, 1: measured.pcr1, 2: measured.pcr2, 8: measured.pcr8}
    return {index: bytes.fromhex(value) for index, value in pcrs.items() if value}


EIF_MAGIC = b".eif"
_PCR_ARG = re.compile(r"(\d{1,2})=(?:0x)?([0-9a-fA-F]+)")


def parse_expected_pcr(text: str, *, where: str = "--expect-pcr") -> tuple[int, bytes]:
    """`INDEX=HEX` (index 0..31, a SHA-256/384/512 digest) as (index, digest)."""
    match = _PCR_ARG.fullmatch(text.strip())
    value = bytes.fromhex(match.group(2)) if match and len(match.group(2)) % 2 == 0 else b""
    if match is None or int(match.group(1)) > 31 or len(value) not in (32, 48, 64):
        raise UsageError(
            f"{where} {text!r} is not INDEX=HEX with INDEX 0..31 and a 48-byte digest",
            fix=f"e.g. {where} 0=ec74bfbe…aeae2 (96 hex characters)",
        )
    return int(match.group(1)), value


def merge_pcrs(pcrs: dict[int, bytes], more: dict[int, bytes], source: str) -> None:
    """Add `more` to `pcrs`; one PCR given two different values is a `UsageError`."""
    for index, value in more.items():
        if pcrs.setdefault(index, value) != value:
            raise UsageError(
                f"PCR{index} from {source} differs from the value given before",
                fix="give each PCR one expected value",
            )


def load_policy_file(path: Path) -> dict[str, Any]:
    """A key policy document from a JSON file (the object, not yet checked as a policy)."""
    try:
        policy: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(
            f"cannot read the key policy: {error.strerror}",
            where=str(path),
            fix="name a key policy JSON file, e.g. from `nitrodeck kms get-key-policy --key-id K`",
        ) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise UsageError(f"the key policy is not JSON: {error}", where=str(path)) from None
    if not isinstance(policy, dict):
        raise UsageError("a key policy is a JSON object with a Statement list", where=str(path))
    return policy


def file_expectations(path: Path) -> dict[int, bytes]:
    """Expected PCRs from an EIF (measured) or a key policy JSON (the PCRs it pins), by content."""
    try:
        head = path.read_bytes()[:4]
    except OSError as error:
        raise UsageError(
            f"cannot read: {error.strerror}",
            where=f"expected PCRs from {path}",
            fix="name an EIF file or a key policy JSON file",
        ) from None
    if head == EIF_MAGIC:
        return eif_expectations(path)
    try:
        policy = load_policy_file(path)
    except UsageError as error:
        raise UsageError(
            f"neither an EIF nor a JSON key policy ({error.what})", where=str(path)
        ) from None
    pinned = policy_expectations(policy)
    if not pinned:
        raise UsageError(
            "the policy pins no PCR (no kms:RecipientAttestation equality condition)",
            where=str(path),
        )
    return pinned
