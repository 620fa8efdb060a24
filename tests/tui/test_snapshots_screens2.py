"""Snapshots of the attestation and KMS screens at 120×36: a real AWS document verified at a
fixed time, and fixed KMS keys; decrypt results are rendered from fixed flow results (the flows
themselves run on the simulator in test_kms_screens)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from screens2_fakes import PCR0, FixedKms, FixedPlatform
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from core.agent.client import DecryptDigest
from core.kms.client import FlowResult, FlowStep
from core.kms.demo import demo_key_policy
from core.kms.denial import DenialExplanation
from core.kms.explain import explain
from core.kms.local.credentials import PRINCIPAL_ARN
from tui.engine.kms_access import KmsAccess
from tui.screens.attest import AttestScreen
from tui.screens.engine import PlatformAccess
from tui.screens.kms import KmsScreen
from tui.screens.kms_decrypt import DecryptScreen

SIZE = (120, 36)
KEY = "0b5a3c1e-9f62-4d7a-8c21-5e0f7a9b3d44"
ARN = f"arn:aws:kms:us-east-1:111122223333:key/{KEY}"


DOCUMENT = "base_prod_2024-11-30.cose"


@pytest.fixture
def document(vectors: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real document under a relative name: the snapshot must not show where the checkout
    (or CI's copy of the shared vectors) happens to be."""
    shutil.copyfile(vectors / DOCUMENT, tmp_path / DOCUMENT)
    monkeypatch.chdir(tmp_path)
    return Path(DOCUMENT)


def attest_before(document: Path, nonce: str = "", tab: str = "") -> Any:
    async def before(pilot: Pilot[Any]) -> None:
        from tui.pilot import settle

        await settle(pilot)
        screen = AttestScreen(
            platform=FixedPlatform(),  # type: ignore[arg-type]
            nonce_source=lambda n: bytes(range(n)),
            step_delay=0,
        )
        await pilot.app.push_screen(screen)
        await settle(pilot)
        screen.field("source").value = str(document)
        screen.field("trust").value = "aws"
        screen.field("at").value = "2024-11-30T16:22:50Z"
        if nonce:
            screen.field("nonce").value = nonce
        await screen.run_action("attest")
        for _ in range(5):
            await settle(pilot)
        if tab:
            screen.query_one(TabbedContent).active = tab
            await settle(pilot)

    return before


def test_attest_verified(snap_compare: Any, make_app: Any, document: Path) -> None:
    before = attest_before(document)
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_attest_failed_nonce(snap_compare: Any, make_app: Any, document: Path) -> None:
    before = attest_before(document, nonce="c0ffee")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_attest_certificates(snap_compare: Any, make_app: Any, document: Path) -> None:
    before = attest_before(document, tab="tab-certs")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_attest_pcrs(snap_compare: Any, make_app: Any, document: Path) -> None:
    before = attest_before(document, tab="tab-pcrs")
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def kms_screen() -> KmsScreen:
    return KmsScreen(kms=KmsAccess(client=FixedKms()), platform=FixedPlatform())  # type: ignore[arg-type]


def test_kms_keys(snap_compare: Any, make_app: Any, wait: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(kms_screen())
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def test_kms_policy(snap_compare: Any, make_app: Any, wait: Any) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(kms_screen())
        await wait(pilot)
        await pilot.press("enter")
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


KEY_STEP = FlowStep(
    "enclave key", "ok", "RSA-2048 key made inside the enclave; document 5211 bytes"
)


def decrypt_before(result: FlowResult) -> Any:
    async def before(pilot: Pilot[Any]) -> None:
        from tui.pilot import settle

        await settle(pilot)
        screen = DecryptScreen(
            KmsAccess(client=FixedKms()),
            PlatformAccess(FixedPlatform()),  # type: ignore[arg-type]
            enclave="payments",
            ciphertext="/srv/secrets/payments.enc",
        )
        await pilot.app.push_screen(screen)
        await settle(pilot)
        for step in result.steps:
            screen._add_step(step)
        screen._show_result(result)
        await settle(pilot)

    return before


def test_decrypt_success(snap_compare: Any, make_app: Any) -> None:
    digest = DecryptDigest(32, bytes(range(32)))
    steps = [
        KEY_STEP,
        FlowStep("kms decrypt", "ok", f"key {ARN}: CiphertextForRecipient 2218 bytes"),
        FlowStep("enclave decrypt", "ok", f"decrypted: 32 bytes, SHA-256 {digest.sha256.hex()}"),
    ]
    result = FlowResult(steps=steps, digest=digest, key_id=ARN)
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=decrypt_before(result))


def denial(pcrs: dict[int, bytes]) -> FlowResult:
    explanation = explain(
        demo_key_policy(PRINCIPAL_ARN, PCR0), principal=PRINCIPAL_ARN, pcrs=pcrs, resource=ARN
    )
    causes = [f for f in explanation.findings if f.kind == "cause"]
    steps = [
        KEY_STEP,
        FlowStep("kms decrypt", "denied", "AccessDeniedException: not authorized"),
        FlowStep("key policy", "ok", f"fetched the key policy of {ARN}"),
        FlowStep("explain", "denied", causes[0].message),
    ]
    summary = DenialExplanation(explanation, f"denied: {causes[0].message}")
    return FlowResult(steps=steps, key_id=ARN, explanation=summary)


def test_decrypt_denied_other_pcr0(snap_compare: Any, make_app: Any) -> None:
    result = denial({0: bytes.fromhex("ab" * 48), 1: bytes(range(48)), 2: bytes(48 * [7])})
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=decrypt_before(result))


def test_decrypt_denied_debug_mode(snap_compare: Any, make_app: Any) -> None:
    result = denial({0: bytes(48), 1: bytes(48), 2: bytes(48)})
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=decrypt_before(result))
