"""Every KMS lab: it starts, shows its symptom, fails `check`, and passes after the intended fix
made with `nitrodeck` commands in the lab's home."""

from __future__ import annotations

from typing import Any

import pytest
from lab_support import RUN

from core.kms.demo import ADMIN_SID, DECRYPT_SID
from core.kms.local.credentials import PRINCIPAL_ARN

pytestmark = pytest.mark.slow

DECRYPT = ("kms", "decrypt", "--enclave-name", "lab", "--ciphertext-file", "secret.enc")


def decrypt_statement(policy: dict[str, Any]) -> dict[str, Any]:
    statement: dict[str, Any] = next(s for s in policy["Statement"] if s["Sid"] == DECRYPT_SID)
    return statement


def failing(data: dict[str, Any]) -> set[str]:
    return {p["label"] for p in data["probes"] if not p["ok"]}


def test_happy_path_walks_build_run_attest_decrypt(start_lab: Any) -> None:
    lab = start_lab("happy-path")
    assert not lab.check()["solved"]
    assert lab.nd("eif", "build-demo", "--output", "app.eif").code == 0
    assert lab.nd(*RUN).code == 0
    assert (
        lab.nd("attest", "--enclave-name", "lab", "--nonce", "c0ffee", "--out", "doc.cose").code
        == 0
    )
    assert not lab.check()["solved"]  # no key, no secret yet
    made = lab.nd(
        "kms",
        "create-demo-key",
        "--enclave-name",
        "lab",
        "--alias",
        "alias/lab",
        "--output",
        "secret.enc",
    )
    assert made.code == 0, made.err
    assert lab.nd(*DECRYPT).code == 0
    assert lab.check()["solved"]


def test_debug_mode_is_fixed_by_running_without_debug(start_lab: Any) -> None:
    lab = start_lab("debug-mode")
    denied = lab.nd(*DECRYPT)
    assert denied.code == 1 and "debug mode" in denied.out
    assert "the enclave is not in debug mode" in failing(lab.check())
    assert lab.nd("terminate-enclave", "--enclave-name", "lab").code == 0
    assert lab.nd(*RUN).code == 0
    assert lab.check()["solved"]


def test_rebuilt_image_is_fixed_by_pinning_the_new_pcr0(start_lab: Any) -> None:
    lab = start_lab("rebuilt-image")
    assert lab.nd(*DECRYPT).code == 1
    diff = lab.nd("eif", "diff", "app-v1.eif", "app.eif")
    assert "config.json" in diff.out
    assert not lab.check()["solved"]
    pcr0 = lab.nd("eif", "describe", "app.eif", "--json").json()["Measurements"]["PCR0"]

    def pin(policy: dict[str, Any]) -> None:
        for statement in policy["Statement"]:
            for values in statement.get("Condition", {}).values():
                for key in values:
                    if key.endswith("ImageSha384"):
                        values[key] = pcr0

    lab.edit_policy(pin)
    assert lab.check()["solved"]


def test_rebuilt_image_is_not_solved_by_dropping_the_pin(start_lab: Any) -> None:
    lab = start_lab("rebuilt-image")
    lab.edit_policy(lambda p: decrypt_statement(p).pop("Condition"))
    data = lab.check()
    assert not data["solved"]
    assert "the policy still pins ImageSha384" in failing(data)


def test_wrong_parent_is_fixed_by_pinning_this_instance(start_lab: Any) -> None:
    lab = start_lab("wrong-parent")
    assert lab.nd(*DECRYPT).code == 1
    explained = lab.nd("kms", "explain", "--key-id", "alias/lab", "--enclave-name", "lab", "--json")
    assert explained.code == 1
    actual = next(
        c["actual"]
        for s in explained.json()["statements"]
        for c in s["conditions"]
        if c["key"].endswith("PCR4")
    )
    pcr4 = actual[0] if isinstance(actual, list) else actual

    def repin(policy: dict[str, Any]) -> None:
        condition = decrypt_statement(policy)["Condition"]["StringEqualsIgnoreCase"]
        condition["kms:RecipientAttestation:PCR4"] = pcr4

    lab.edit_policy(repin)
    assert lab.check()["solved"]


def test_open_policy_is_closed_and_proved(start_lab: Any) -> None:
    lab = start_lab("open-policy")
    allowed = lab.nd("kms", "explain", "--key-id", "alias/lab")
    assert allowed.code == 0 and allowed.out.startswith("ALLOWED")
    assert "the parent cannot decrypt without an enclave" in failing(lab.check())

    def close(policy: dict[str, Any]) -> None:
        policy["Statement"] = [
            s for s in policy["Statement"] if s.get("Sid") != "temporary-debugging"
        ]

    lab.edit_policy(close)
    assert lab.nd("kms", "explain", "--key-id", "alias/lab").code == 1
    assert lab.check()["solved"]


def test_key_pending_deletion_is_cancelled_and_enabled(start_lab: Any) -> None:
    lab = start_lab("key-disabled")
    failed = lab.nd(*DECRYPT)
    assert failed.code == 1 and "KMSInvalidStateException" in failed.out
    assert "the key is enabled" in failing(lab.check())
    assert lab.nd("kms", "cancel-key-deletion", "--key-id", "alias/lab").code == 0
    assert "the key is enabled" in failing(lab.check())  # cancelled keys come back Disabled
    assert lab.nd("kms", "enable-key", "--key-id", "alias/lab").code == 0
    assert lab.check()["solved"]


def test_open_policy_is_not_solved_by_making_the_decryptor_an_admin(start_lab: Any) -> None:
    lab = start_lab("open-policy")

    def self_administer(policy: dict[str, Any]) -> None:
        policy["Statement"] = [
            s for s in policy["Statement"] if s.get("Sid") != "temporary-debugging"
        ]
        admin = next(s for s in policy["Statement"] if s["Sid"] == ADMIN_SID)
        admin["Principal"] = {"AWS": [admin["Principal"]["AWS"], PRINCIPAL_ARN]}

    lab.edit_policy(self_administer)
    assert "the decryptor cannot rewrite its own conditions" in failing(lab.check())


def _open_grants(lab: Any) -> list[str]:
    """The grant IDs the audit names as open paths, from `kms explain --json`."""
    explained = lab.nd("kms", "explain", "--key-id", "alias/lab", "--json").json()
    paths = explained["audit"]["Paths"]
    return sorted({p["Source"].split()[0] for p in paths if p["Open"] and "grant" in p["Via"]})


def _drop_delegation(policy: dict[str, Any]) -> None:
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "parent-delegates"]


def test_grant_bypass_is_found_by_the_audit_and_closed(start_lab: Any) -> None:
    lab = start_lab("grant-bypass")
    keys = lab.nd("kms", "keys")
    assert keys.code == 0 and " OPEN " in keys.out
    allowed = lab.nd("kms", "explain", "--key-id", "alias/lab")
    assert allowed.code == 0 and "allowed by grant" in allowed.out and "pin: OPEN" in allowed.out
    assert "nothing reaches the plaintext without attestation" in failing(lab.check())
    grants = _open_grants(lab)
    assert len(grants) == 2  # the incident's grant to the parent and the batch job's grant
    for grant_id in grants:
        revoked = lab.nd("kms", "revoke-grant", "--key-id", "alias/lab", "--grant-id", grant_id)
        assert revoked.code == 0, revoked.err
    data = lab.check()  # the parent may still grant itself Decrypt through the policy
    assert failing(data) == {
        "nothing reaches the plaintext without attestation",
        "the decryptor cannot rewrite its own conditions",
    }
    lab.edit_policy(_drop_delegation)
    assert lab.check()["solved"]
    assert " pinned " in lab.nd("kms", "keys").out


def test_grant_bypass_is_not_solved_by_dropping_the_policys_pin(start_lab: Any) -> None:
    """Removing the attested statement leaves nothing to bypass, and no enclave decrypts."""
    lab = start_lab("grant-bypass")
    for grant_id in _open_grants(lab):
        lab.nd("kms", "revoke-grant", "--key-id", "alias/lab", "--grant-id", grant_id)

    def unpin(policy: dict[str, Any]) -> None:
        _drop_delegation(policy)
        policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != DECRYPT_SID]

    lab.edit_policy(unpin)
    data = lab.check()
    assert not data["solved"]
    assert "nothing reaches the plaintext without attestation" in failing(data)
