"""Snapshots of the attestation and KMS screens at 120×40: a real AWS document verified at a
fixed time, and fixed KMS keys; decrypt results are rendered from fixed flow results (the flows
themselves run on the simulator in test_kms_screens)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from screens2_fakes import FixedKms, FixedPlatform, SelfAdministeringKms
from textual.pilot import Pilot
from textual.widgets import TabbedContent
from tui_fakes import SIZES

from core.kms.client import FlowResult
from core.kms.frozen import DEBUG_MODE, KEYS, OTHER_IMAGE, decrypted, denied
from tui.engine.access import PlatformHolder
from tui.engine.kms_access import KmsAccess
from tui.screens.attest import AttestScreen
from tui.screens.kms import KmsScreen
from tui.screens.kms_decrypt import DecryptScreen
from tui.screens.kms_policy import KeyPolicyScreen

SIZE = (120, 40)


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
            platform=FixedPlatform(),
            nonce_source=lambda n: bytes(range(n)),
            step_delay=0,
        )
        await pilot.app.push_screen(screen)
        await settle(pilot)
        screen.field("source").value = str(document)
        screen.field("trust").value = "aws"
        screen.field("at").value = "2024-11-30T16:22:50Z"
        screen.field("nonce").value = nonce  # the nonce on screen is checked; empty skips it
        await screen.run_action("attest")
        for _ in range(5):
            await settle(pilot)
        if tab:
            screen.query_one(TabbedContent).active = tab
            await settle(pilot)

    return before


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_attest_verified(
    snap_compare: Any, make_app: Any, document: Path, size: tuple[int, int]
) -> None:
    before = attest_before(document)
    assert snap_compare(make_app(), terminal_size=size, run_before=before)


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
    return KmsScreen(kms=KmsAccess(client=FixedKms()), platform=FixedPlatform())


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_kms_keys(snap_compare: Any, make_app: Any, wait: Any, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(kms_screen())
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_kms_policy(snap_compare: Any, make_app: Any, wait: Any, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(kms_screen())
        await wait(pilot)
        await pilot.press("enter")
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=before)


def test_kms_policy_warns_when_the_decryptor_administers(
    snap_compare: Any, make_app: Any, wait: Any
) -> None:
    key = next(iter(KEYS))

    async def before(pilot: Pilot[Any]) -> None:
        await wait(pilot)
        await pilot.app.push_screen(KeyPolicyScreen(KmsAccess(client=SelfAdministeringKms()), key))
        await wait(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=before)


def decrypt_before(result: FlowResult) -> Any:
    async def before(pilot: Pilot[Any]) -> None:
        from tui.pilot import settle

        await settle(pilot)
        screen = DecryptScreen(
            KmsAccess(client=FixedKms()),
            PlatformHolder.of(FixedPlatform()),
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
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=decrypt_before(decrypted()))


def test_decrypt_denied_other_pcr0(snap_compare: Any, make_app: Any) -> None:
    result = denied(OTHER_IMAGE)
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=decrypt_before(result))


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_decrypt_denied_debug_mode(snap_compare: Any, make_app: Any, size: tuple[int, int]) -> None:
    result = denied(DEBUG_MODE)
    assert snap_compare(make_app(), terminal_size=size, run_before=decrypt_before(result))
