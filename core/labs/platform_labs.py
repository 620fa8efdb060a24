"""Labs about the platform: stale documents, the enclave pool, and signed images."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from core.eif.reader import read_eif
from core.eif.signature import validity_problem
from core.labs.env import ENCLAVE, MEMORY_MIB, LabEnv
from core.labs.kit import APP, APP_FILES, runs_app
from core.labs.model import Lab, Probe
from core.labs.probes import document_verifies
from core.platform.base import PoolConfig

STALE_AGE = dt.timedelta(hours=4)


def _setup_stale(env: LabEnv) -> None:
    """A document the enclave image's NSM signed four hours ago (a verifier's cached copy)."""
    from core.eif.reader import measure_eif
    from core.nsm.device import SimulatedNsm
    from core.nsm.pki import SimPki
    from enclave_agent.nsm_messages import Attestation, AttestationResponse, decode_response

    then = dt.datetime.now(dt.UTC) - STALE_AGE
    pki = SimPki.load_or_create(env.home, now=then)  # the instance's PKI already existed then
    env.build_image(APP, APP_FILES)
    info = env.run(APP)
    with env.platform() as platform:
        host = platform.host_info()
    measured = measure_eif(env.path(APP))
    nsm = SimulatedNsm(
        pki,
        measurements={
            i: bytes.fromhex(v) for i, v in enumerate((measured.pcr0, measured.pcr1, measured.pcr2))
        },
        debug=False,
        instance_id=host.instance_id,
        role_arn=host.role_arn,
        enclave_uid=info.cid,
        region=host.region,
        clock=then.timestamp,
    )
    reply = decode_response(nsm.handle(Attestation().to_cbor()))
    if not isinstance(reply, AttestationResponse):
        raise RuntimeError(f"the simulated NSM refused to attest: {reply}")
    env.path("doc.cose").write_bytes(reply.document)


STALE = Lab(
    name="stale-document",
    title="Stale document and clock skew",
    symptom="`nitrodeck attestation verify doc.cose --trust sim --expect-eif app.eif` fails, "
    "though the document came from this very enclave image.",
    goal="doc.cose is a document of the running enclave that verifies now.",
    hints=(
        "Read the failing checks: which certificate, and valid until when? Compare the "
        "document's timestamp (`nitrodeck attestation show doc.cose`) with the clock.",
        "The NSM's leaf certificate lives a few hours; a cached document dies with it. "
        "`--at` verifies it as of its own time, which proves it was good then, not now.",
        "Ask the enclave for a fresh one: `nitrodeck attest --enclave-name lab --out doc.cose`, "
        "and verify again. (A document stamped ahead of your clock fails `clock_skew` instead.)",
    ),
    setup=_setup_stale,
    check=lambda env: [*runs_app(env), document_verifies(env, "doc.cose", APP)],
)

MODEL = {"/app/model.bin": hashlib.shake_256(b"lab model").digest(24 << 20)}  # 24 MiB of weights
SMALL_POOL = PoolConfig(memory_mib=128, cpu_count=2)


def _setup_small(env: LabEnv) -> None:
    env.build_image(APP, {**APP_FILES, **MODEL})
    with env.platform() as platform:
        platform.apply_pool(SMALL_POOL)
    run = {"eif_path": "app.eif", "memory_mib": 64, "cpu_count": 1, "enclave_name": ENCLAVE}
    env.path("run.json").write_text(json.dumps(run, indent=2) + "\n")


SMALL = Lab(
    name="pool-too-small",
    title="Pool too small: E26, E27, E29",
    symptom="`nitrodeck run-enclave --config run.json` fails with E26; fix that and it fails "
    "differently.",
    goal="The enclave lab runs app.eif (a 24 MiB model inside) from run.json.",
    hints=(
        "Each E-code names its rule and a fix: E26 is about the image, E27 about the pool's "
        "hugepages, E29 about whole cores.",
        "memory_mib must be at least 4× the image (`ls -l app.eif`); the pool must hold that "
        "much (`nitrodeck pool show`); CPUs come in sibling pairs, and CPU 0's core stays "
        "with the parent.",
        "Set memory_mib to 256 and cpu_count to 2 in run.json, and grow the pool: `nitrodeck "
        "pool apply --memory 512 --cpu-count 2`.",
    ),
    setup=_setup_small,
    check=runs_app,
)

BUSY_TARGET = PoolConfig(memory_mib=1024, cpu_count=4)


def _setup_busy(env: LabEnv) -> None:
    env.build_image(APP, APP_FILES)
    env.run(APP)


def _check_busy(env: LabEnv) -> list[Probe]:
    with env.platform() as platform:
        pool = platform.pool_state()
    wanted = (BUSY_TARGET.memory_mib or 0, BUSY_TARGET.cpu_count or 0)
    ok = pool.memory_mib >= wanted[0] and len(pool.cpus) >= wanted[1]
    detail = f"{pool.memory_mib} MiB, CPUs {','.join(map(str, pool.cpus)) or 'none'}"
    grown = Probe(ok, f"the pool holds ≥ {wanted[0]} MiB and ≥ {wanted[1]} CPUs", detail)
    return [grown, *runs_app(env)]


BUSY = Lab(
    name="pool-busy",
    title="A pool change refused while an enclave runs",
    symptom="`nitrodeck pool apply --memory 1024 --cpu-count 4` is refused.",
    goal="The pool holds 1024 MiB and 4 CPUs, and the enclave lab runs app.eif again.",
    hints=(
        "Read the refusal: what does the allocator need to do to CPUs and memory?",
        "CPUs in the pool are offline to the parent; re-onlining or moving them is impossible "
        "while an enclave uses the pool (nitro-cli's allocator says the same).",
        "Plan a window: `nitrodeck terminate-enclave --enclave-name lab`, `nitrodeck pool apply "
        f"--memory 1024 --cpu-count 4`, then `nitrodeck run-enclave --eif-path app.eif --memory "
        f"{MEMORY_MIB} --cpu-count 2 --enclave-name lab`.",
    ),
    setup=_setup_busy,
    check=_check_busy,
)


def self_signed(key: Any, *, days_from: int, days_to: int, name: str = "lab image signer") -> bytes:
    """A self-signed PEM certificate for `key`, valid from/to these days relative to now (what
    `openssl req -new -x509` makes)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days_from))
        .not_valid_after(now + dt.timedelta(days=days_to))
        .sign(key, hashes.SHA384())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _signing_pair(env: LabEnv) -> None:
    """A P-384 key and a certificate that expired a month ago (the learner's signing pair)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from core.home import write_private_file

    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private_file(env.path("signing-key.pem"), pem)
    env.path("signing-cert.pem").write_bytes(self_signed(key, days_from=-395, days_to=-30))


def _setup_signed(env: LabEnv) -> None:
    from core.eif.sign import sign_eif

    env.build_image(APP, APP_FILES)
    _signing_pair(env)
    sign_eif(env.path(APP), env.path("signing-cert.pem"), env.path("signing-key.pem"))


def _check_signed(env: LabEnv) -> list[Probe]:
    info = read_eif(env.path(APP))
    cert = info.signing_certificate
    if cert is None:
        return [Probe(False, "app.eif is signed", "app.eif has no signature section")]
    problem = validity_problem(cert, dt.datetime.now(dt.UTC))
    valid = Probe(problem is None, "its signing certificate is valid now", problem or "valid")
    return [
        Probe(True, "app.eif is signed", f"PCR8 {info.measurements.pcr8 or '?'}"[:30]),
        valid,
        *runs_app(env),
    ]


SIGNED = Lab(
    name="expired-signer",
    title="A signed image whose certificate expired",
    symptom="`nitrodeck run-enclave --eif-path app.eif --memory 256 --cpu-count 2 "
    "--enclave-name lab` fails (E39 with the image's inner error).",
    goal="The enclave lab runs app.eif, signed with a certificate that is valid now.",
    hints=(
        "`nitrodeck eif describe app.eif` shows the signature's CertificateValidity.",
        "The launch checks the signing certificate at run time (nitro-cli's E59, seen as "
        "E36/E39). Re-signing changes PCR8, so policies pinning PCR8 need the new value too.",
        "Issue a new certificate for the same key, e.g. `openssl req -new -x509 -key "
        "signing-key.pem -subj /CN=lab -days 30 -out signing-cert.pem`, re-sign with `nitrodeck "
        "eif sign --eif-path app.eif --signing-certificate signing-cert.pem --private-key "
        "signing-key.pem`, and run it.",
    ),
    setup=_setup_signed,
    check=_check_signed,
)
