"""The doctor's look at the local KMS's key policies: may a decrypting principal rewrite one?

Reads the policies straight from the local KMS's database (read-only, no server, no
credentials), so the check is fast and works whether or not the KMS daemon runs. Each finding
comes from `core.kms.separation.admin_overlaps`, the same function the KMS screen and
`nitrodeck kms explain` use.
"""

from __future__ import annotations

import contextlib
import sqlite3

from core.checks import Check
from core.errors import PolicyError
from core.home import Home
from core.kms.separation import admin_overlaps

NAME = "key policies keep decryptors from administering"


def local_policies(home: Home) -> list[tuple[str, str]]:
    """(key id, policy text) of every key in this home's local KMS; empty when it has none."""
    path = home.kms_dir / "kms.sqlite3"
    if not path.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
        return [(str(k), str(p)) for k, p in db.execute("SELECT key_id, policy FROM keys")]


def check_local_key_policies(home: Home) -> Check:
    try:
        policies = local_policies(home)
    except sqlite3.Error as error:
        return Check.verdict(NAME, False, f"cannot read the local KMS database: {error}", "")
    problems = []
    for key_id, text in policies:
        try:
            overlaps = admin_overlaps(text)
        except PolicyError:
            continue  # the explainer reports malformed policies; this check is about roles
        problems += [f"key {key_id}: {overlap.message}" for overlap in overlaps]
    if problems:
        return Check.verdict(
            NAME,
            False,
            "; ".join(problems[:3])
            + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""),
            "give kms:PutKeyPolicy and kms:CreateGrant only to an administrator that is not the "
            "principal allowed to decrypt under attestation (nitrodeck kms create-demo-key "
            "shows the pattern)",
        )
    return Check.verdict(NAME, True, f"{len(policies)} local KMS key(s) checked")
