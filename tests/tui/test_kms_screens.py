"""The KMS view: keys and policies (fixed fake KMS), and the decrypt step-through on the
simulator with the real local KMS: success with a demo key, a PCR0 denial, a debug-mode denial."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from screens2_fakes import PCR0, FixedKms, FixedPlatform

from core.agent.demo import build_demo_image
from core.errors import UsageError
from core.home import Home
from core.kms.demo import create_demo_key, demo_key_policy
from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN
from core.kms.local.server import LocalKms
from core.kms.target import KmsTarget, demo_roles
from core.platform.base import RunRequest
from core.platform.sim.platform import SimPlatform
from tui.engine.access import PlatformHolder
from tui.engine.kms_access import KmsAccess, parse_choice
from tui.screens.kms import KmsScreen
from tui.screens.kms_decrypt import DecryptScreen
from tui.screens.kms_policy import KeyPolicyScreen

SIZE = (120, 36)
SECRET = b"a secret only the pinned image may see"


async def until(pilot: Any, wait: Any, done: Any, what: str) -> None:
    for _ in range(80):
        await wait(pilot)
        if done():
            return
    raise AssertionError(f"timed out waiting for {what}")


def text(widget: Any) -> str:
    return str(widget.render())


async def open_fixed_kms(app: Any, pilot: Any, wait: Any) -> KmsScreen:
    await wait(pilot)
    screen = KmsScreen(kms=KmsAccess(client=FixedKms()), platform=FixedPlatform())
    await app.push_screen(screen)
    await wait(pilot)
    return screen


async def test_keys_list_policy_and_pinning(make_app: Any, wait: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        screen = await open_fixed_kms(app, pilot, wait)
        rows = screen.table.all_rows
        assert len(rows) == 2
        pinned = {cells[3]: cells[2] for cells in rows.values()}
        assert pinned == {"alias/payments": "pinned", "alias/legacy": "NOT pinned"}
        states = {cells[3]: cells[1] for cells in rows.values()}
        assert states == {"alias/payments": "Enabled", "alias/legacy": "Disabled"}
        await pilot.press("slash", *"payments", "enter")
        await wait(pilot)
        assert screen.table.row_count == 1
        await pilot.press("enter")
        await wait(pilot)
        policy = app.screen
        assert isinstance(policy, KeyPolicyScreen)
        head = text(policy.query_one("#policy-head"))
        assert f"pins PCR0 = {PCR0}" in head
        body = policy.query_one("#policy-body").render()
        marked = [span for span in body.spans if "yellow" in str(span.style)]  # type: ignore[attr-defined]
        assert marked, "the attestation condition is highlighted"
        assert "ImageSha384" in body.plain[marked[0].start : marked[0].end]  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait(pilot)
        assert app.screen is screen


class GrantedKms(FixedKms):
    """The same keys, each with a grant of Decrypt to the parent (issue 19)."""

    def list_grants(self, KeyId: str) -> dict[str, Any]:
        grant = {
            "KeyId": KeyId,
            "GrantId": "ab" * 32,
            "Name": "incident",
            "GranteePrincipal": PRINCIPAL_ARN,
            "Operations": ["Decrypt"],
        }
        return {"Grants": [grant], "Truncated": False}


async def test_a_grant_around_the_pin_shows_as_open(make_app: Any, wait: Any) -> None:
    """The policy alone would say pinned; the view and the policy screen name the grant."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        screen = KmsScreen(kms=KmsAccess(client=GrantedKms()), platform=FixedPlatform())  # type: ignore[arg-type]
        await app.push_screen(screen)
        await wait(pilot)
        verdicts = {cells[3]: cells[2] for cells in screen.table.all_rows.values()}
        assert verdicts == {"alias/payments": "OPEN", "alias/legacy": "NOT pinned"}
        await pilot.press("slash", *"payments", "enter")
        await wait(pilot)
        await pilot.press("enter")
        await until(
            pilot, wait, lambda: "OPEN" in text(app.screen.query_one("#policy-head")), "audit"
        )
        head = text(app.screen.query_one("#policy-head"))
        assert f"OPEN: {PRINCIPAL_ARN} via grant {'ab' * 32} (incident)" in head


async def test_bad_target_is_explained_inline(make_app: Any, wait: Any) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        screen = await open_fixed_kms(app, pilot, wait)
        await pilot.press("t", *"bogus", "enter")
        await wait(pilot)
        note = text(screen.query_one("#kms-note"))
        assert "not a KMS target" in note and "fix" in note
        assert len(screen.table.all_rows) == 2  # the old target is kept


def test_target_choices() -> None:
    home = Home.resolve()
    assert parse_choice("local", home) is None and parse_choice("", home) is None
    assert parse_choice("aws", home) == KmsTarget()
    aws_url = "https://kms.eu-west-1.amazonaws.com"
    assert parse_choice(aws_url, home).endpoint_url.startswith("https")  # type: ignore[union-attr]
    with pytest.raises(UsageError):
        parse_choice("ftp://x", home)


@pytest.fixture
def sim_kms(tmp_path: Path) -> Iterator[tuple[SimPlatform, LocalKms, Path]]:
    eif = tmp_path / "demo.eif"
    build_demo_image(eif)
    sim = SimPlatform(home=Home.resolve())
    try:
        with LocalKms(home=Home.resolve()) as server:
            yield sim, server, eif
    finally:
        sim.terminate_enclave(all_enclaves=True)
        sim.close()


def target_of(server: LocalKms) -> KmsTarget:
    return KmsTarget(server.endpoint, "us-east-1", server.credentials_path)


def run(sim: SimPlatform, eif: Path, name: str, debug: bool = False) -> None:
    request = RunRequest(eif_path=eif, memory_mib=512, cpu_count=2, debug_mode=debug,
                         enclave_name=name)  # fmt: skip
    sim.run_enclave(request)


@pytest.mark.slow
async def test_demo_key_then_decrypt_inside_the_enclave(
    make_app: Any, wait: Any, sim_kms: tuple[SimPlatform, LocalKms, Path]
) -> None:
    sim, server, eif = sim_kms
    run(sim, eif, "demo")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        screen = KmsScreen(platform=sim, target=target_of(server))
        await app.push_screen(screen)
        await wait(pilot)
        await pilot.press("c")
        prompt = screen.query_one("#kms-prompt")
        await until(pilot, wait, lambda: prompt.value == "demo", "the enclave to be offered")  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, wait, lambda: isinstance(app.screen, DecryptScreen), "decrypt screen")
        demo = screen.last_demo
        assert (
            demo is not None
            and demo.pcr0 == sim.find_enclave(enclave_name="demo").measurements["PCR0"].lower()
        )
        decrypt = app.screen
        assert isinstance(decrypt, DecryptScreen)
        assert decrypt.field("ciphertext").value == str(demo.ciphertext_path)
        await pilot.press("enter")  # in the form: start
        await until(pilot, wait, lambda: decrypt.result is not None, "the flow")
        result = decrypt.result
        assert result is not None and result.ok and result.decrypted is not None
        assert decrypt.field("proof").value == f"@{demo.proof_key_path}"
        assert result.decrypted.hmac_sha256 is not None
        assert result.decrypted.hmac_sha256.hex() == demo.expected_proof
        assert [s.name for s in result.steps] == ["enclave key", "kms decrypt", "enclave decrypt"]
        assert decrypt.query_one("#decrypt-steps").row_count == 3  # type: ignore[attr-defined]
        assert demo.expected_proof in text(decrypt.query_one("#decrypt-status"))
        await pilot.press("escape", "escape")  # leave the field, then the form
        await until(pilot, wait, lambda: len(screen.table.all_rows) == 1, "the new key listed")
        assert next(iter(screen.table.all_rows.values()))[1:3] == ("Enabled", "pinned")


@pytest.mark.slow
async def test_denials_explained_other_pcr0_and_debug_mode(
    make_app: Any, wait: Any, sim_kms: tuple[SimPlatform, LocalKms, Path], tmp_path: Path
) -> None:
    sim, server, eif = sim_kms
    run(sim, eif, "prod")  # the pool holds one enclave at a time: debug mode comes later
    target = target_of(server)
    roles = demo_roles(target)
    client = roles.client
    policy = demo_key_policy("ab" * 48, admin=ADMIN_PRINCIPAL_ARN, decryptor=PRINCIPAL_ARN)
    other = client.create_key(Policy=policy)["KeyMetadata"]
    blob = tmp_path / "other.enc"
    blob.write_bytes(client.encrypt(KeyId=other["KeyId"], Plaintext=SECRET)["CiphertextBlob"])
    prod = sim.find_enclave(enclave_name="prod")
    pinned = create_demo_key(
        client, prod, admin=roles.admin, decryptor=roles.decryptor, home=Home.resolve()
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        access = PlatformHolder.of(sim)
        # 1. a key that pins another image's PCR0
        decrypt = DecryptScreen(KmsAccess(target), access, enclave="prod", ciphertext=str(blob))
        await app.push_screen(decrypt)
        await wait(pilot)
        await decrypt.run_action("decrypt")
        await until(pilot, wait, lambda: decrypt.result is not None, "the denial")
        result = decrypt.result
        assert result is not None and not result.ok and result.explanation is not None
        assert [s.status for s in result.steps][:2] == ["ok", "denied"]
        assert "PCR0" in result.explanation.summary
        conditions = decrypt.query_one("#decrypt-conditions")
        assert conditions.display and conditions.row_count >= 1  # type: ignore[attr-defined]
        failed = [conditions.get_row_at(i) for i in range(conditions.row_count)  # type: ignore[attr-defined]
                  if str(conditions.get_row_at(i)[1]) == "✗"]  # type: ignore[attr-defined]  # fmt: skip
        assert any(row[2].endswith("ImageSha384") and row[3].startswith("ab" * 6) for row in failed)
        findings = text(decrypt.query_one("#decrypt-findings"))
        assert "fix:" in findings and "PCR0" in findings
        # 2. the right image in debug mode: its document carries a zero PCR0
        sim.terminate_enclave(enclave_name="prod")
        run(sim, eif, "dbg", debug=True)
        decrypt.field("enclave").value = "dbg"
        decrypt.field("ciphertext").value = str(pinned.ciphertext_path)
        await decrypt.run_action("decrypt")
        await until(
            pilot, wait, lambda: decrypt.result is not None and decrypt.result is not result,
            "the debug denial",
        )  # fmt: skip
        debug = decrypt.result
        assert debug is not None and debug.explanation is not None
        assert debug.explanation.debug_mode and "debug mode" in debug.explanation.summary
        assert "debug-mode enclave" in text(decrypt.query_one("#decrypt-status"))
        assert SECRET.hex() not in text(decrypt.query_one("#decrypt-status"))
        # 3. a refused attempt: the last run's steps and conditions do not stay on screen
        decrypt.field("ciphertext").value = str(tmp_path / "missing.enc")
        await decrypt.run_action("decrypt")
        await wait(pilot)
        assert decrypt.result is None
        assert decrypt.query_one("#decrypt-steps").row_count == 0  # type: ignore[attr-defined]
        assert not decrypt.query_one("#decrypt-conditions").has_class("-shown")


async def test_missing_fields_are_explained_inline(
    make_app: Any, wait: Any, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        decrypt = DecryptScreen(KmsAccess(client=FixedKms()), PlatformHolder.of(FixedPlatform()))
        await app.push_screen(decrypt)
        await wait(pilot)
        await decrypt.run_action("decrypt")
        await wait(pilot)
        assert "name the enclave" in text(decrypt.query_one("#decrypt-status"))
        decrypt.field("enclave").value = "payments"
        decrypt.field("ciphertext").value = str(tmp_path / "missing.enc")
        await decrypt.run_action("decrypt")
        await wait(pilot)
        assert "cannot read" in text(decrypt.query_one("#decrypt-status"))
        assert decrypt.result is None


class BrokenKms(KmsAccess):
    def client(self) -> Any:
        raise RuntimeError("boom: a library error core did not translate")


async def test_an_unexpected_worker_error_is_shown_not_swallowed(
    make_app: Any, wait: Any, tmp_path: Path
) -> None:
    blob = tmp_path / "c.enc"
    blob.write_bytes(b"\x01" * 64)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait(pilot)
        decrypt = DecryptScreen(
            BrokenKms(),
            PlatformHolder.of(FixedPlatform()),
            enclave="payments",
            ciphertext=str(blob),  # type: ignore[arg-type]
        )
        await app.push_screen(decrypt)
        await wait(pilot)
        await decrypt.run_action("decrypt")
        await wait(pilot)
        status = text(decrypt.query_one("#decrypt-status"))
        assert "unexpected error" in status and "RuntimeError" in status and "boom" in status
        assert app.is_running


async def test_read_only_hides_creating_a_demo_key(make_app: Any, wait: Any) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_fixed_kms(app, pilot, wait)
        assert "c" not in dict(screen.help_keys())
        await pilot.press("c")
        await wait(pilot)
        assert not screen.query_one("#kms-prompt").has_class("-open")
        assert "d" in dict(screen.help_keys())  # decrypting changes nothing: still offered
