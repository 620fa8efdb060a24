"""What a lab's check can establish about real state: each returns a `Probe` with its evidence.

A probe calls the same code a command would (the simulator's enclave table, the agent and the
KMS `Recipient` flow, the policy engine, the allocator, the attestation verifier), so a lab is
solved exactly when the real system behaves as the goal says.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import NitrodeckError
from core.labs.env import ENCLAVE, PRINCIPAL, LabEnv
from core.labs.model import Probe
from core.platform.base import EnclaveInfo


def enclave_running(env: LabEnv, *, name: str = ENCLAVE) -> tuple[Probe, EnclaveInfo | None]:
    """The lab's enclave is running (and whether in debug mode)."""
    info = env.enclave(name)
    if info is None:
        names = ", ".join(e.name or e.enclave_id for e in env.enclaves()) or "none"
        return Probe(False, f"enclave {name!r} runs", f"running enclaves: {names}"), None
    mode = "debug mode" if info.debug else "production mode"
    pcr0 = info.measurements.get("PCR0", "?")[:16]
    detail = f"{info.enclave_id}, CID {info.cid}, {mode}, PCR0 {pcr0}…"
    return Probe(True, f"enclave {name!r} runs", detail), info


def not_debug(info: EnclaveInfo) -> Probe:
    if info.debug:
        return Probe(
            False,
            "the enclave is not in debug mode",
            "debug mode: its attestation documents carry PCR0/1/2 as zeros",
        )
    return Probe(True, "the enclave is not in debug mode", "its documents carry the real PCRs")


def enclave_decrypts(env: LabEnv, *, name: str = ENCLAVE) -> Probe:
    """KMS Decrypt with `Recipient` from inside the enclave, on the lab's ciphertext."""
    from core.agent.client import AGENT_WAIT, connect_agent
    from core.kms.client import recipient_decrypt

    label = "the enclave decrypts the secret through KMS"
    ciphertext = env.path(env.fact("ciphertext")).read_bytes()
    kms = env.kms()
    try:
        with env.platform() as platform, connect_agent(platform, name, wait=AGENT_WAIT) as agent:
            result = recipient_decrypt(agent, kms, ciphertext, principal=lambda: PRINCIPAL)
    except NitrodeckError as error:
        return Probe(False, label, error.what)
    if result.decrypted is not None:
        return Probe(True, label, f"{result.decrypted.length} bytes, decrypted inside the enclave")
    if result.explanation is not None:
        return Probe(False, label, result.explanation.summary)
    failed = next((s for s in reversed(result.steps) if s.status != "ok"), None)
    return Probe(False, label, failed.detail if failed else "the flow did not finish")


def parent_cannot_decrypt(env: LabEnv) -> Probe:
    """A plain Decrypt from the parent (no enclave, no attestation) must be refused."""
    from botocore.exceptions import ClientError

    label = "the parent cannot decrypt without an enclave"
    ciphertext = env.path(env.fact("ciphertext")).read_bytes()
    try:
        env.kms().decrypt(CiphertextBlob=ciphertext)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "?")
        ok = code == "AccessDeniedException"
        return Probe(ok, label, f"KMS answered {code}")
    return Probe(False, label, "KMS returned the plaintext to the parent: the policy lets it")


def key_enabled(env: LabEnv) -> Probe:
    """The key is usable: Enabled (not Disabled, not PendingDeletion)."""
    from core.kms.manage import key_state

    state = key_state(env.kms(), env.fact("key_id"))
    return Probe(state.state == "Enabled", "the key is enabled", f"KeyState {state.state}")


def key_policy(env: LabEnv) -> str:
    policy: str = env.kms().get_key_policy(KeyId=env.fact("key_id"), PolicyName="default")["Policy"]
    return policy


def policy_pins(env: LabEnv, *condition_keys: str) -> Probe:
    """The key policy's Allow statements still test one of `condition_keys` (the fix kept the
    pin instead of deleting the condition)."""
    from core.kms.inventory import pinned_keys

    keys = {k.lower() for k in pinned_keys(key_policy(env))}
    ok = any(k.lower() in keys for k in condition_keys)
    name = condition_keys[0].rsplit(":", 1)[-1]
    detail = "pinned" if ok else f"the Allow statements test only {sorted(keys) or 'nothing'}"
    return Probe(ok, f"the policy still pins {name}", detail)


def pin_holds(env: LabEnv) -> Probe:
    """Nothing reaches the plaintext without attestation: the audit (`core.kms.audit`) of the
    key's policy and every grant, listed as the key administrator, as `kms keys` shows it."""
    from core.kms.audit import audit_key
    from core.kms.inventory import key_grants

    admin = env.kms(admin=True)
    grants = key_grants(admin, env.fact("key_id"))
    audit = audit_key(key_policy(env), grants)
    label = "nothing reaches the plaintext without attestation"
    return Probe(audit.verdict == "pinned", label, f"{audit.verdict}: {audit.summary}")


def decryptor_cannot_administer(env: LabEnv) -> Probe:
    """No principal that decrypts under attestation may also rewrite the policy or grant
    (`core.kms.separation`): a fix must not make the enclave's parent its own key admin."""
    from core.kms.separation import admin_overlaps

    overlaps = admin_overlaps(key_policy(env))
    detail = overlaps[0].message if overlaps else "administration stays with another principal"
    return Probe(not overlaps, "the decryptor cannot rewrite its own conditions", detail)


def document_verifies(env: LabEnv, document: str, eif: str) -> Probe:
    """`document` verifies now against the simulator's root, with `eif`'s PCRs expected."""
    from datetime import UTC, datetime

    from core.attestation.expectations import Expectations
    from core.attestation.trust import sim_root_anchor
    from core.attestation.verifier import verify
    from core.eif.reader import measure_eif

    label = f"{document} verifies now (simulator root, {eif}'s PCRs)"
    path = env.path(document)
    if not path.is_file():
        return Probe(False, label, f"no {document} in the lab home")
    measured = measure_eif(env.path(eif))
    pcrs = {
        i: bytes.fromhex(v) for i, v in enumerate((measured.pcr0, measured.pcr1, measured.pcr2))
    }
    try:
        report = verify(
            path.read_bytes(),
            anchors=[sim_root_anchor(env.as_home)],
            at=datetime.now(UTC),
            expect=Expectations(pcrs=pcrs),
        )
    except NitrodeckError as error:
        return Probe(False, label, error.what)
    failed = [c for c in report.checks if c.status.value == "fail"]
    if failed:
        return Probe(False, label, "; ".join(f"{c.name}: {c.evidence}" for c in failed))
    return Probe(True, label, f"all {len(report.checks)} checks pass")


def file_exists(path: Path, label: str) -> Probe:
    return Probe(
        path.is_file(), label, str(path.name) if path.is_file() else f"{path.name} missing"
    )
