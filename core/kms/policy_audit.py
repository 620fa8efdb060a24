"""The doctor's look at the local KMS's keys: can anything reach a pinned key's plaintext
without attestation?

Reads the policies and grants straight from the local KMS's database (read-only, no server, no
credentials), so the check is fast and works whether or not the KMS daemon runs. Each verdict
comes from `core.kms.audit.audit_key`, the same function `nitrodeck kms keys`, the KMS view and
`nitrodeck kms explain` use.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from typing import Any

from core.checks import Check
from core.home import Home
from core.kms.audit import audit_key

NAME = "attestation pins cannot be bypassed"


def local_keys(home: Home) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(key id, policy text, grants) of every key in this home's local KMS; empty when none."""
    path = home.kms_dir / "kms.sqlite3"
    if not path.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
        grants: dict[str, list[dict[str, Any]]] = {}
        for key_id, body in db.execute("SELECT key_id, body FROM grants ORDER BY created"):
            grants.setdefault(str(key_id), []).append(json.loads(str(body)))
        keys = db.execute("SELECT key_id, policy FROM keys").fetchall()
    return [(str(k), str(p), grants.get(str(k), [])) for k, p in keys]


def check_local_key_policies(home: Home) -> Check:
    try:
        keys = local_keys(home)
    except (sqlite3.Error, ValueError) as error:
        return Check.verdict(NAME, False, f"cannot read the local KMS database: {error}", "")
    problems = []
    for key_id, policy, grants in keys:
        audit = audit_key(policy, grants)
        if audit.verdict == "OPEN":  # the policy pins, and something gets around it
            problems.append(f"key {key_id}: {audit.summary}")
    if problems:
        return Check.verdict(
            NAME,
            False,
            "; ".join(problems[:3])
            + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""),
            "`nitrodeck kms explain --key-id KEY` lists each path and how to close it: revoke "
            "the grant (`nitrodeck kms revoke-grant`), keep kms:PutKeyPolicy and kms:CreateGrant "
            "from the decrypting principal, add the attestation condition to the statement",
        )
    return Check.verdict(NAME, True, f"{len(keys)} local KMS key(s) audited, policies and grants")
