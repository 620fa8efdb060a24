"""Labs about KMS decrypts: the happy path, and the ways a key policy or key refuses an enclave."""

from __future__ import annotations

from core.kms.context import IMAGE_SHA384
from core.labs.env import PRINCIPAL, LabEnv
from core.labs.kit import APP, image_and_key, runs_app
from core.labs.model import Lab, Probe
from core.labs.probes import (
    decryptor_cannot_administer,
    document_verifies,
    enclave_decrypts,
    enclave_running,
    key_enabled,
    not_debug,
    parent_cannot_decrypt,
    pin_holds,
    policy_pins,
)
from core.nsm.pcrs import pcr_from_string

PCR0_KEYS = (IMAGE_SHA384, "kms:RecipientAttestation:PCR0")
PCR4 = "kms:RecipientAttestation:PCR4"
OLD_INSTANCE = "i-0fedcba9876543210"
DECRYPT = "nitrodeck kms decrypt --enclave-name lab --ciphertext-file secret.enc"


def _setup_happy(env: LabEnv) -> None:
    env.record(ciphertext="secret.enc")


def _check_happy(env: LabEnv) -> list[Probe]:
    if not env.path(APP).is_file():
        return [Probe(False, f"{APP} is built", f"no {APP} in {env.home}")]
    probes = runs_app(env)
    if not all(p.ok for p in probes):
        return probes
    probes.append(document_verifies(env, "doc.cose", APP))
    if not env.path("secret.enc").is_file():
        return [*probes, Probe(False, "secret.enc exists", "no demo key's ciphertext yet")]
    return [*probes, enclave_decrypts(env), parent_cannot_decrypt(env)]


HAPPY = Lab(
    name="happy-path",
    title="Happy path: build, run, attest, decrypt",
    symptom="Nothing is broken yet: the lab home is empty. Walk the whole flow once.",
    goal="An enclave named lab runs app.eif, doc.cose is its verified attestation document, "
    "and it decrypts secret.enc through KMS while the parent alone cannot.",
    hints=(
        "Follow the steps in order; each prints what it did (`nitrodeck lab status` lists them).",
        "The key must be created after the enclave runs: its policy pins the running PCR0.",
        "Keep the file names: app.eif, doc.cose, secret.enc, enclave name lab.",
    ),
    steps=(
        "build: `nitrodeck eif build-demo --output app.eif`: the image and its PCR0/1/2",
        "run: `nitrodeck run-enclave --eif-path app.eif --memory 256 --cpu-count 2 "
        "--enclave-name lab`: a real process with its own simulated NSM",
        "attest: `nitrodeck attest --enclave-name lab --nonce c0ffee --out doc.cose`: the NSM "
        "signs the PCRs, the nonce and a timestamp",
        "verify: `nitrodeck attestation verify doc.cose --trust sim --nonce c0ffee --expect-eif "
        "app.eif`: 14 checks, chain to the simulator's root, PCRs against the image",
        "key: `nitrodeck kms create-demo-key --enclave-name lab --alias alias/lab --output "
        "secret.enc`: a key whose Decrypt needs an attested PCR0 equal to the image's",
        f"decrypt: `{DECRYPT}`: KMS re-encrypts to a key that exists only inside the enclave",
    ),
    setup=_setup_happy,
    check=_check_happy,
)


def _decrypt_checks(env: LabEnv, *pins: tuple[str, ...]) -> list[Probe]:
    probes = runs_app(env)
    if not all(p.ok for p in probes):
        return probes
    probes.append(enclave_decrypts(env))
    probes.extend(policy_pins(env, *keys) for keys in pins)
    probes.append(decryptor_cannot_administer(env))
    return probes


def _setup_debug(env: LabEnv) -> None:
    image_and_key(env)
    env.run(APP, debug=True)


def _check_debug(env: LabEnv) -> list[Probe]:
    probe, info = enclave_running(env)
    if info is None:
        return [probe]
    return [probe, not_debug(info), enclave_decrypts(env), policy_pins(env, *PCR0_KEYS)]


DEBUG = Lab(
    name="debug-mode",
    title="Debug mode: decrypt denied",
    symptom=f"`{DECRYPT}` is denied, although the key policy pins this very image's PCR0.",
    goal="The enclave decrypts secret.enc; the key policy still pins the image's PCR0.",
    hints=(
        "Compare what KMS expected with what the document carried: "
        "`nitrodeck kms explain --key-id alias/lab --enclave-name lab`.",
        "All of PCR0, PCR1 and PCR2 are zeros. When does the NSM report zeros? "
        "`nitrodeck describe-enclaves` shows the enclave's flags.",
        "Debug mode zeroes the image PCRs (so a debug enclave can never pass for production): "
        "`nitrodeck terminate-enclave --enclave-name lab`, then run app.eif again without "
        "--debug-mode.",
    ),
    setup=_setup_debug,
    check=_check_debug,
)

REBUILT_FILES = {"/app/config.json": b'{"log_level": "debug", "port": 8000}\n'}


def _setup_rebuilt(env: LabEnv) -> None:
    measured = image_and_key(env)
    env.path(APP).rename(env.path("app-v1.eif"))
    env.record(pinned_pcr0=measured.pcr0)
    env.build_image(APP, REBUILT_FILES)
    env.run(APP)


REBUILT = Lab(
    name="rebuilt-image",
    title="Rebuilt image: PCR0 moved",
    symptom=f"After a rebuild of app.eif (app-v1.eif is the old build), `{DECRYPT}` is denied.",
    goal="The rebuilt image decrypts; the key policy pins the new PCR0 (not no PCR0 at all).",
    hints=(
        "`nitrodeck kms explain --key-id alias/lab --enclave-name lab`: which condition fails?",
        "`nitrodeck eif diff app-v1.eif app.eif` names the file whose change moved PCR0.",
        "If the change was intended, pin the new PCR0: `nitrodeck kms get-key-policy --key-id "
        "alias/lab > policy.json`, replace the ImageSha384 value with app.eif's PCR0 "
        "(`nitrodeck eif describe app.eif`), then `nitrodeck kms put-key-policy --key-id "
        "alias/lab --policy policy.json --yes`.",
    ),
    setup=_setup_rebuilt,
    check=lambda env: _decrypt_checks(env, PCR0_KEYS),
)


def _setup_parent(env: LabEnv) -> None:
    image_and_key(env, conditions={PCR4: pcr_from_string(OLD_INSTANCE).hex()})
    env.run(APP)


PARENT = Lab(
    name="wrong-parent",
    title="Wrong parent instance: PCR4 does not match",
    symptom=f"The service moved to a new parent instance; `{DECRYPT}` is denied there.",
    goal="The enclave on this instance decrypts; the policy pins both PCR0 and PCR4.",
    hints=(
        "`nitrodeck kms explain --key-id alias/lab --enclave-name lab`: the image matches, so "
        "what else does the policy test?",
        "PCR4 is the SHA-384 measurement of the parent's instance ID (PCR3: of its IAM role). "
        "`nitrodeck pool show` names this instance.",
        "Pin this instance: in the policy (`nitrodeck kms get-key-policy --key-id alias/lab`) "
        "set the PCR4 condition to the actual value `kms explain` printed, and `nitrodeck kms "
        "put-key-policy --key-id alias/lab --policy policy.json --yes`.",
    ),
    setup=_setup_parent,
    check=lambda env: _decrypt_checks(env, PCR0_KEYS, (PCR4,)),
)

TEMPORARY = {
    "Sid": "temporary-debugging",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
    "Action": "kms:Decrypt",
    "Resource": "*",
}


def _setup_open(env: LabEnv) -> None:
    image_and_key(env, statements=(TEMPORARY,))
    env.run(APP)


def _check_open(env: LabEnv) -> list[Probe]:
    probes = _decrypt_checks(env, PCR0_KEYS)
    return [*probes, parent_cannot_decrypt(env)]


OPEN = Lab(
    name="open-policy",
    title="A dangerous policy: the parent decrypts without an enclave",
    symptom="The enclave decrypts fine, but so does anyone in the account with no enclave at "
    "all: `nitrodeck kms explain --key-id alias/lab` (no attestation) says ALLOWED.",
    goal="Only the attested enclave decrypts: a plain Decrypt from the parent is refused, the "
    "enclave still decrypts.",
    hints=(
        "`nitrodeck kms explain --key-id alias/lab` with no document: which statement allows?",
        "An Allow for kms:Decrypt without any kms:RecipientAttestation condition admits every "
        "caller it names, enclave or not; Allows add up, so the pinned statement does not help.",
        "Remove the `temporary-debugging` statement: `nitrodeck kms get-key-policy --key-id "
        "alias/lab > policy.json`, delete it, `nitrodeck kms put-key-policy --key-id alias/lab "
        "--policy policy.json --yes`; prove it with `nitrodeck lab check`.",
    ),
    setup=_setup_open,
    check=_check_open,
)


BATCH_ROLE = "arn:aws:iam::111122223333:role/batch-export"
DELEGATES = {
    "Sid": "parent-delegates",
    "Effect": "Allow",
    "Principal": {"AWS": PRINCIPAL},
    "Action": "kms:CreateGrant",
    "Resource": "*",
}


def _setup_grants(env: LabEnv) -> None:
    """The pinned key, plus what an incident left behind: the administrator's grant of Decrypt
    and CreateGrant to the parent, a statement letting the parent create grants, and a grant
    the parent made with it for a batch job."""
    image_and_key(env, statements=(DELEGATES,))
    env.run(APP)
    key_id = env.fact("key_id")
    env.kms(admin=True).create_grant(
        KeyId=key_id,
        GranteePrincipal=PRINCIPAL,
        Operations=["Decrypt", "CreateGrant"],
        Name="incident-debugging",
    )
    env.kms().create_grant(
        KeyId=key_id, GranteePrincipal=BATCH_ROLE, Operations=["Decrypt"], Name="batch-export"
    )


def _check_grants(env: LabEnv) -> list[Probe]:
    probes = _decrypt_checks(env, PCR0_KEYS)
    return [*probes, parent_cannot_decrypt(env), pin_holds(env)]


GRANTS = Lab(
    name="grant-bypass",
    title="A grant around the pin: the parent decrypts although the policy pins PCR0",
    symptom="The key policy still pins the image's PCR0, yet `nitrodeck kms keys` calls "
    "alias/lab OPEN and `nitrodeck kms explain --key-id alias/lab` (no attestation) says "
    "ALLOWED.",
    goal="Every path to the plaintext needs attestation (`nitrodeck kms keys` says pinned): the "
    "parent alone is refused, the enclave still decrypts.",
    hints=(
        "`nitrodeck kms explain --key-id alias/lab` lists every path to the plaintext under "
        "`pin:`; which are OPEN, and what is each one (statement, grant, grant chain)?",
        "A grant cannot carry an attestation condition: a grant of Decrypt (or ReEncrypt*, "
        "GenerateDataKey*) bypasses the pin, and a principal that may CreateGrant from the "
        "policy can make such grants for anyone, itself included.",
        "Revoke each open grant as the administrator (`nitrodeck kms revoke-grant --key-id "
        "alias/lab --grant-id ID`), and remove the `parent-delegates` statement "
        "(`nitrodeck kms get-key-policy --key-id alias/lab > policy.json`, delete it, "
        "`nitrodeck kms put-key-policy --key-id alias/lab --policy policy.json --yes`); "
        "prove it with `nitrodeck lab check`.",
    ),
    setup=_setup_grants,
    check=_check_grants,
)


def _setup_disabled(env: LabEnv) -> None:
    from core.kms.manage import change_state

    image_and_key(env)
    env.run(APP)
    change_state(env.kms(admin=True), env.fact("key_id"), "schedule-deletion", days=7)


def _check_disabled(env: LabEnv) -> list[Probe]:
    return [key_enabled(env), *_decrypt_checks(env, PCR0_KEYS)]


DISABLED = Lab(
    name="key-disabled",
    title="A key scheduled for deletion",
    symptom=f"`{DECRYPT}` fails, yet the image, the policy and the enclave are all right.",
    goal="The enclave decrypts secret.enc again with the same key (its data is not lost).",
    hints=(
        "Read the KMS error code in the decrypt step: is it an AccessDeniedException at all?",
        "`nitrodeck kms keys` and `aws kms describe-key` show the KeyState; a key pending "
        "deletion or disabled refuses every use, whatever its policy says "
        "(KMSInvalidStateException / DisabledException).",
        "`nitrodeck kms cancel-key-deletion --key-id alias/lab` (the key comes back Disabled), "
        "then `nitrodeck kms enable-key --key-id alias/lab`.",
    ),
    setup=_setup_disabled,
    check=_check_disabled,
)
